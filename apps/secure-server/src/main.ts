#!/usr/bin/env node
import { formatProblems, problemsOf } from '@mcp-warden/config';
import { isWardenError } from '@mcp-warden/core';
import { banner } from './banner.js';
import { startServer } from './server.js';
import { loadSettings } from './settings.js';

// mcp-warden-server: the reference secure MCP server. Configuration from MCP_* variables and the JSON
// file MCP_CONFIG_FILE names; a configuration problem exits 78 listing every problem.
let loaded: ReturnType<typeof loadSettings>;
try {
  loaded = loadSettings();
} catch (error) {
  const problems = problemsOf(error);
  process.stderr.write(
    problems.length > 0
      ? `${formatProblems(problems)}\n`
      : `configuration error: ${isWardenError(error) ? `${error.message} [${error.code}]` : 'unexpected failure'}\n`,
  );
  process.exit(78);
}

try {
  const running = await startServer(loaded.config, loaded.warnings);
  process.stderr.write(`${banner(loaded.config, running)}\n`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: finishing in-flight calls, flushing the audit log\n`);
    running.close(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (error) {
  process.stderr.write(
    `failed to start: ${isWardenError(error) ? `${error.message} [${error.code}]` : error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(isWardenError(error) && error.kind === 'config' ? 78 : 1);
}
