import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Measurement } from './harness.js';

export interface Report {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly quick: boolean;
  readonly results: readonly Measurement[];
}

export function makeReport(results: readonly Measurement[], quick: boolean): Report {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    quick,
    results,
  };
}

const fmt = (value: number | undefined, digits = 2): string =>
  value === undefined ? '' : value >= 100 ? value.toFixed(0) : value.toFixed(digits);

export function renderTable(report: Report): string {
  const header = [
    'benchmark',
    'candidate',
    'value',
    'baseline',
    'value',
    'unit',
    'ratio (lower=better)',
    'spread',
    'target',
    'ok',
  ];
  const rows = report.results.map((r) => [
    r.name + (r.note ? ` (${r.note})` : ''),
    r.candidateLabel,
    fmt(r.candidate),
    r.baselineLabel ?? '',
    fmt(r.baseline),
    r.unit,
    r.timeRatio === undefined ? '' : `${r.timeRatio.toFixed(3)}x`,
    r.spread ? `${r.spread[0].toFixed(3)}–${r.spread[1].toFixed(3)}` : '',
    r.targetTimeRatio === undefined ? '' : `≤ ${r.targetTimeRatio}x`,
    r.targetTimeRatio === undefined || r.timeRatio === undefined
      ? ''
      : r.timeRatio <= r.targetTimeRatio
        ? 'yes'
        : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  return [
    `node ${report.node} · ${report.cpu} · ${report.cores} cores · ${report.date}${report.quick ? ' · quick' : ''}`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('-|-'),
    ...rows.map(line),
  ].join('\n');
}

/** A bar's label: the name, a short note, never wider than the label column. */
function chartLabel(r: Measurement): string {
  const label = r.name + (r.note !== undefined && r.note.length <= 16 ? ` (${r.note})` : '');
  return label.length > 50 ? `${label.slice(0, 49)}…` : label;
}

/** One horizontal bar per benchmark (time ratio), a line at 1.0x and a tick at each target. */
export function renderSvg(report: Report): string {
  const rows = report.results.filter((r) => r.timeRatio !== undefined);
  const left = 330;
  const width = 900;
  const barArea = width - left - 90;
  const rowHeight = 26;
  const top = 50;
  const height = top + rows.length * rowHeight + 40;
  const maxRatio = Math.max(
    2,
    ...rows.map((r) => Math.min(r.timeRatio!, 10)),
    ...rows.map((r) => r.targetTimeRatio ?? 0),
  );
  const x = (ratio: number) => left + (Math.min(ratio, maxRatio) / maxRatio) * barArea;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">mcp-warden: candidate time / baseline time (lower is better)</text>`,
    `<text x="10" y="38" fill="#555">${esc(`node ${report.node} · ${report.cpu} · ${report.date.slice(0, 10)}`)}</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    const ok = r.targetTimeRatio === undefined || r.timeRatio! <= r.targetTimeRatio;
    parts.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(chartLabel(r))}</text>`);
    parts.push(
      `<rect x="${left}" y="${y + 4}" width="${x(r.timeRatio!) - left}" height="16" fill="${ok ? '#3b82f6' : '#ef4444'}"/>`,
    );
    parts.push(`<text x="${x(r.timeRatio!) + 4}" y="${y + 16}">${r.timeRatio!.toFixed(2)}x</text>`);
    if (r.targetTimeRatio !== undefined) {
      const tx = x(r.targetTimeRatio);
      parts.push(
        `<line x1="${tx}" x2="${tx}" y1="${y + 1}" y2="${y + 23}" stroke="#f59e0b" stroke-width="3"/>`,
      );
    }
  });
  const one = x(1);
  parts.push(
    `<line x1="${one}" x2="${one}" y1="${top - 4}" y2="${top + rows.length * rowHeight}" stroke="black" stroke-dasharray="4 3"/>`,
  );
  parts.push(`<text x="${one}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle">1.0x</text>`);
  parts.push(
    `<text x="10" y="${height - 8}" fill="#555">orange tick: the issue's target; red bar: target missed</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

/** Replaces the rows of `report` in the report already at `file` (a run of one benchmark keeps the others). */
export function mergeReport(report: Report, file: URL): Report {
  if (!existsSync(file)) return report;
  const previous = JSON.parse(readFileSync(file, 'utf8')) as Report;
  // By name only: a note can carry measured values (p99, sizes) that differ from run to run.
  const names = new Set(report.results.map((r) => r.name));
  const kept = previous.results.filter((r) => !names.has(r.name));
  return { ...report, results: [...kept, ...report.results].sort((a, b) => a.name.localeCompare(b.name)) };
}

export function writeReport(report: Report, directory: URL): void {
  mkdirSync(directory, { recursive: true });
  writeFileSync(new URL('latest.json', directory), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(new URL('latest.svg', directory), `${renderSvg(report)}\n`);
}
