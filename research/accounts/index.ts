export * from "./model.js";
export * from "./users.js";
export { hashToken } from "./passwords.js";
export { LoginThrottle } from "./login-throttle.js";
export { loadSessionSecret } from "./session-secret.js";
export * from "./sessions.js";
