export * from "./model.js";
export * from "./themes.js";
