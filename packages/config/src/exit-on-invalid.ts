import { isWardenError } from '@mcp-warden/core';
import type { z } from 'zod';
import { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load-config.js';
import { formatProblems, problemsOf } from './problems.js';

/** Options of {@link loadConfigOrExit}, on top of {@link LoadConfigOptions}. */
export interface ExitOptions {
  /** Exit status when the config is invalid. Default 78 (`EX_CONFIG` in sysexits.h). */
  readonly exitCode?: number;
  /** Where problems and warnings are written. Default `process.stderr`. */
  readonly stderr?: { write(text: string): unknown };
}

/**
 * For a server's entry point: loads the config, writes warnings to stderr, and when the config is
 * invalid writes every problem to stderr and exits with status 78 — the server never starts
 * half-configured.
 */
export function loadConfigOrExit<S extends z.ZodType>(
  schema: S,
  options: LoadConfigOptions<z.output<S>> & ExitOptions = {},
): LoadedConfig<z.output<S>> {
  const stderr = options.stderr ?? process.stderr;
  try {
    const loaded = loadConfig(schema, options);
    for (const warning of loaded.warnings) stderr.write(`config warning: ${warning}\n`);
    return loaded;
  } catch (error) {
    const problems = problemsOf(error);
    if (problems.length > 0) stderr.write(`${formatProblems(problems)}\n`);
    else if (isWardenError(error)) stderr.write(`configuration error: ${error.message} [${error.code}]\n`);
    else stderr.write('configuration error: unexpected failure while loading\n');
    process.exit(options.exitCode ?? 78);
  }
}
