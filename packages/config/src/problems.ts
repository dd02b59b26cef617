import { ConfigError, type JsonValue, visibleText } from '@mcp-warden/core';

/**
 * One thing wrong with the configuration. `source` says where the value came from (`env
 * MCP_SERVER_PORT`, `file /etc/mcp.json key serverPort`, `flag --server-port`); `reason` never
 * contains the value of a secret.
 */
export interface ConfigProblem {
  /** Dotted config key (`serverPort`, `fsRoots.1`), or the variable/flag name for unknown ones. */
  readonly key: string;
  readonly source: string;
  readonly reason: string;
  /** A stable code for the kind of problem (see the README's error table). */
  readonly code: string;
}

/** The error `loadConfig` throws: `code` `ERR_CONFIG_INVALID`, every problem in `data.problems`. */
export function configInvalidError(problems: readonly ConfigProblem[]): ConfigError {
  const count = problems.length;
  return new ConfigError(
    'ERR_CONFIG_INVALID',
    `invalid configuration: ${count} problem${count === 1 ? '' : 's'}`,
    {
      data: {
        problems: problems.map(
          (problem): JsonValue => ({
            key: problem.key,
            source: problem.source,
            reason: problem.reason,
            code: problem.code,
          }),
        ),
      },
    },
  );
}

function isProblem(value: unknown): value is ConfigProblem {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['key', 'source', 'reason', 'code'].every((field) => typeof candidate[field] === 'string');
}

/** The problems an `ERR_CONFIG_INVALID` error carries (empty for anything else). */
export function problemsOf(error: unknown): readonly ConfigProblem[] {
  if (!(error instanceof ConfigError)) return [];
  const problems = error.data.problems;
  return Array.isArray(problems) ? problems.filter(isProblem) : [];
}

/**
 * One line per problem, for a terminal: `  - serverPort (env MCP_SERVER_PORT): expected a decimal
 * number`. Control and invisible characters (a newline or an escape sequence in a key name) are
 * shown as `\u{…}` escapes, so no problem can forge another line or drive the terminal.
 */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  const lines = problems.map((problem) =>
    visibleText(`  - ${problem.key} (${problem.source}): ${problem.reason} [${problem.code}]`),
  );
  return [
    `invalid configuration: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
    ...lines,
  ].join('\n');
}
