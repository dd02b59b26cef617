import { visibleText } from '@mcp-warden/core';
import type { ConfigEntry, LoadedConfig } from './load-config.js';

/** Options of {@link printConfig}. */
export interface PrintConfigOptions {
  /** `table` (default) for people, `json` for tools: `{ key: { value, source } }`. */
  readonly format?: 'table' | 'json';
}

/** JSON escapes C0 controls only; C1 controls (`\u009b` is CSI) and bidi overrides are escaped too. */
function shown(entry: ConfigEntry): string {
  return entry.value === undefined ? '-' : visibleText(JSON.stringify(entry.value));
}

/**
 * The effective configuration with the source of each value, secrets redacted: what the
 * `mcp-warden-print-config` command prints. Safe to log.
 */
export function printConfig(loaded: LoadedConfig<unknown>, options: PrintConfigOptions = {}): string {
  if (options.format === 'json') {
    const out: Record<string, { value: unknown; source: string }> = {};
    for (const entry of loaded.entries) out[entry.key] = { value: entry.value ?? null, source: entry.source };
    return JSON.stringify(out, null, 2);
  }
  const rows = loaded.entries.map(
    (entry) => [visibleText(entry.key), shown(entry), visibleText(entry.source)] as const,
  );
  const header = ['KEY', 'VALUE', 'SOURCE'] as const;
  const widths = [0, 1].map((column) =>
    Math.max(header[column]?.length ?? 0, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column < 2 ? cell.padEnd(widths[column] ?? 0) : cell))
      .join('  ')
      .trimEnd();
  const warnings = loaded.warnings.map((warning) => `warning: ${visibleText(warning)}`);
  return [line(header), ...rows.map(line), ...warnings].join('\n');
}
