// Starts the analysis worker from its TypeScript source (tests, tsx): tsx first, then the worker itself.
// The built server uses build/analysis-worker.mjs instead (scripts/build-cli.js).
import { register } from "tsx/esm/api";

register();
await import("./analysis-worker.ts");
