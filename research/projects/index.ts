export * from "./model.js";
export * from "./projects.js";
export * from "./stats.js";
export * from "./phase-path.js";
