#!/usr/bin/env node
import { runApiKeyCli } from './api-key-cli.js';

process.exitCode = runApiKeyCli(
  process.argv.slice(2),
  (line) => process.stdout.write(`${line}\n`),
  (line) => process.stderr.write(`${line}\n`),
);
