#!/usr/bin/env node
import { isWardenError } from '@mcp-warden/core';
import { loadMcpServerConfig } from './mcp-server-schema.js';
import { printConfig } from './print-config.js';
import { formatProblems, problemsOf } from './problems.js';

const USAGE = `usage: mcp-warden-print-config [--json] [--config <file.json>]

Prints the effective MCP server configuration (defaults < config file < MCP_* environment),
with the source of each value. Secrets are redacted. Exits 78 when the configuration is invalid.`;

function main(args: readonly string[]): number {
  let json = false;
  let file: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else if (arg === '--config' && args[index + 1] !== undefined) file = args[++index];
    else if (arg?.startsWith('--config=')) file = arg.slice('--config='.length);
    else {
      process.stderr.write(`${USAGE}\n`);
      return 64;
    }
  }
  try {
    const loaded = loadMcpServerConfig(file === undefined ? {} : { file });
    process.stdout.write(`${printConfig(loaded, { format: json ? 'json' : 'table' })}\n`);
    return 0;
  } catch (error) {
    const problems = problemsOf(error);
    if (problems.length > 0) process.stderr.write(`${formatProblems(problems)}\n`);
    else process.stderr.write(`configuration error${isWardenError(error) ? ` [${error.code}]` : ''}\n`);
    return 78;
  }
}

process.exitCode = main(process.argv.slice(2));
