// pnpm --filter @mcp-warden/benchmarks run quote: rewrites the benchmark quotes in the READMEs from
// results/latest.json, so that no README figure is typed by hand. Each package README's block starting
// "From the committed report" (and the bullet list under it) and the root README's table are replaced.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Measurement } from './harness.js';
import type { Report } from './report.js';

const root = new URL('../../', import.meta.url);
const report = JSON.parse(readFileSync(new URL('benchmarks/results/latest.json', root), 'utf8')) as Report;
const day = report.date.slice(0, 10);
const machine = `${report.cpu}, ${report.cores} cores, Node ${report.node.replace(/^v/, '')}`;

/** Which README quotes which benchmarks (by name prefix). */
const QUOTES: Readonly<Record<string, readonly string[]>> = {
  'packages/audit/README.md': ['audit/'],
  'packages/auth/README.md': ['auth/'],
  'packages/core/README.md': ['core/', 'pipeline/'],
  'packages/ratelimit/README.md': ['ratelimit/'],
  'packages/safe-exec/README.md': ['safe-exec/'],
  'packages/safe-fs/README.md': ['safe-fs/'],
  'packages/validation/README.md': ['validation/'],
  'apps/secure-server/README.md': ['secure-server/'],
};

const ratio = (value: number): string => `${value.toFixed(3)}×`;
const met = (r: Measurement): boolean | undefined =>
  r.targetTimeRatio === undefined || r.timeRatio === undefined ? undefined : r.timeRatio <= r.targetTimeRatio;
const title = (r: Measurement): string => `${r.name}${r.note === undefined ? '' : ` (${r.note})`}`;

function bullet(r: Measurement): string {
  if (r.timeRatio === undefined) {
    const baseline =
      r.baseline === undefined ? '' : ` (${r.baselineLabel ?? 'baseline'}: ${r.baseline.toPrecision(4)})`;
    return `- \`${r.name}\`: ${r.candidate.toPrecision(4)} ${r.unit}${baseline}`;
  }
  const spread = r.spread === undefined ? '' : ` (rounds ${ratio(r.spread[0])}–${ratio(r.spread[1])})`;
  const target =
    r.targetTimeRatio === undefined
      ? ''
      : `, target ≤ ${r.targetTimeRatio}× — ${met(r) ? 'met' : '**not met**'}`;
  const values =
    r.unit === 'ns/op' || r.baseline === undefined
      ? ''
      : ` — ${r.candidate.toPrecision(4)} vs ${r.baseline.toPrecision(4)} ${r.unit}`;
  return `- \`${title(r)}\`: **${ratio(r.timeRatio)}**${spread}${target}${values}`;
}

function quoteBlock(prefixes: readonly string[]): string {
  const rows = report.results.filter((r) => prefixes.some((prefix) => r.name.startsWith(prefix)));
  return [
    `From the committed report [\`benchmarks/results/latest.json\`](../../benchmarks/results/latest.json) (${day}, ${machine}; candidate time / baseline time, lower is better):`,
    '',
    ...rows.map(bullet),
  ].join('\n');
}

/** Replaces the "From the committed report" line and the bullets that follow it. */
function replaceQuote(text: string, block: string, file: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('From the committed report'));
  if (start < 0) throw new Error(`${file}: no "From the committed report" block`);
  let end = start + 1;
  while (end < lines.length && (lines[end] === '' || lines[end]!.startsWith('- `'))) end++;
  // Keep the blank line that separates the list from the next paragraph.
  while (end > start + 1 && lines[end - 1] === '') end--;
  return [...lines.slice(0, start), block, ...lines.slice(end)].join('\n');
}

function rootTable(): string {
  const rows = report.results.filter((r) => r.targetTimeRatio !== undefined && r.timeRatio !== undefined);
  return [
    `Measured ${day} on ${machine}.`,
    '',
    '| benchmark | candidate vs baseline | time ratio (lower is better) | target | met |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${title(r)} | ${r.candidateLabel} vs ${r.baselineLabel ?? ''} | ${ratio(r.timeRatio!)} | ≤ ${r.targetTimeRatio}× | ${met(r) ? 'yes' : '**no**'} |`,
    ),
  ].join('\n');
}

/** Replaces the root README's "Measured …" line and the table under it. */
function replaceRootTable(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Measured '));
  if (start < 0) throw new Error('README.md: no "Measured …" line');
  let end = start + 1;
  while (end < lines.length && (lines[end] === '' || lines[end]!.startsWith('|'))) end++;
  while (end > start + 1 && lines[end - 1] === '') end--;
  return [...lines.slice(0, start), rootTable(), ...lines.slice(end)].join('\n');
}

for (const [file, prefixes] of Object.entries(QUOTES)) {
  const url = new URL(file, root);
  writeFileSync(url, replaceQuote(readFileSync(url, 'utf8'), quoteBlock(prefixes), file));
}
const readme = new URL('README.md', root);
writeFileSync(readme, replaceRootTable(readFileSync(readme, 'utf8')));
process.stdout.write(`quoted the report of ${report.date} in ${Object.keys(QUOTES).length + 1} READMEs\n`);
