#!/usr/bin/env node
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isWardenError } from '@mcp-warden/core';
import type { z } from 'zod';
import { type LoadedConfig, loadConfig } from './load-config.js';
import { loadMcpServerConfig } from './mcp-server-schema.js';
import { printConfig } from './print-config.js';
import { formatProblems, problemsOf } from './problems.js';

const USAGE = `usage: mcp-warden-print-config [--json] [--config <file.json>] [--schema <module>[#export]] [--prefix <PREFIX_>]

Prints the effective configuration (defaults < config file < environment) with the source of each
value. Secrets are redacted. Without --schema it uses the ready MCP server schema and MCP_*.
--schema imports a module (it must only define the schema, not start a server) and uses its
export (default: "schema", else the default export). Exits 78 when the configuration is invalid.`;

interface Arguments {
  readonly json: boolean;
  readonly file?: string;
  readonly schema?: string;
  readonly prefix?: string;
}

function parseArguments(args: readonly string[]): Arguments | undefined {
  const parsed: { json: boolean; file?: string; schema?: string; prefix?: string } = { json: false };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (arg === '--json') {
      parsed.json = true;
      continue;
    }
    const match = /^--(config|schema|prefix)(?:=(.*))?$/.exec(arg);
    const value = match?.[2] ?? (match ? args[++index] : undefined);
    if (!match || value === undefined || value === '') return undefined;
    if (match[1] === 'config') parsed.file = value;
    else if (match[1] === 'schema') parsed.schema = value;
    else parsed.prefix = value;
  }
  return parsed;
}

function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value && 'safeParse' in value;
}

async function importSchema(spec: string): Promise<z.ZodType | undefined> {
  const hash = spec.lastIndexOf('#');
  const modulePath = hash === -1 ? spec : spec.slice(0, hash);
  const exported = hash === -1 ? undefined : spec.slice(hash + 1);
  const module = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>;
  const candidate = exported === undefined ? (module.schema ?? module.default) : module[exported];
  return isZodSchema(candidate) ? candidate : undefined;
}

async function main(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const parsed = parseArguments(args);
  if (!parsed) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  const options = {
    ...(parsed.file === undefined ? {} : { file: parsed.file }),
    ...(parsed.prefix === undefined ? {} : { envPrefix: parsed.prefix }),
  };
  try {
    let loaded: LoadedConfig<unknown>;
    if (parsed.schema === undefined) {
      loaded = loadMcpServerConfig(options);
    } else {
      const schema = await importSchema(parsed.schema);
      if (!schema) {
        process.stderr.write(`${parsed.schema} does not export a zod schema\n`);
        return 64;
      }
      loaded = loadConfig(schema, options);
    }
    process.stdout.write(`${printConfig(loaded, { format: parsed.json ? 'json' : 'table' })}\n`);
    return 0;
  } catch (error) {
    const problems = problemsOf(error);
    if (problems.length > 0) process.stderr.write(`${formatProblems(problems)}\n`);
    else if (isWardenError(error))
      process.stderr.write(`configuration error: ${error.message} [${error.code}]\n`);
    else process.stderr.write('configuration error: the schema module could not be loaded\n');
    return 78;
  }
}

process.exitCode = await main(process.argv.slice(2));
