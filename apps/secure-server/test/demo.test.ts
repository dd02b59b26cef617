import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo.js';

describe('pnpm demo', () => {
  it('shows every row behaving as the README says, with real requests', async () => {
    const lines: string[] = [];
    const { ok, rows } = await runDemo((line) => lines.push(line));
    expect(rows.filter((row) => row.got !== row.expected)).toEqual([]);
    expect(ok).toBe(true);
    // The README shows the same table: every printed row is in it.
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const line of lines.slice(0, rows.length + 2)) expect(readme).toContain(line.trimEnd());
  });
});
