export * from "./model.js";
export * from "./codebook.js";
export * from "./codings.js";
export * from "./memos.js";
export * from "./coders.js";
