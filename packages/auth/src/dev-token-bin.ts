#!/usr/bin/env node
import { runDevTokenCli } from './dev-token-cli.js';

process.exitCode = await runDevTokenCli(
  process.argv.slice(2),
  (line) => process.stdout.write(`${line}\n`),
  (line) => process.stderr.write(`${line}\n`),
);
