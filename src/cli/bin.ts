#!/usr/bin/env node
/** @module cli/bin — the executable behind `s3-router`. */
import { run } from "./program.js";

process.exitCode = await run(process.argv.slice(2));
