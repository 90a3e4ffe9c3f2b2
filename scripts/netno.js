#!/usr/bin/env node
// The `netno` command: registers tsx so the TypeScript CLI runs without a build step, then starts it.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
