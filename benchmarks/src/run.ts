// pnpm bench [--quick] [name-prefix ...]: runs every benchmark in src/benches (or those whose name starts
// with a given prefix), prints a table, and writes results/latest.json and results/latest.svg
// (--quick writes results/quick/ instead, which is not committed).
//
// Each benchmark file runs in a fresh Node process (this script again, with --file and --out), so
// that no file's figures depend on which files ran before it in the same heap and JIT.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchModule, type Measurement, runComparison } from './harness.js';
import { makeReport, mergeReport, renderTable, writeReport } from './report.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((arg) => !arg.startsWith('--'));
const selected = (name: string) => filters.length === 0 || filters.some((filter) => name.startsWith(filter));
const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);

const directory = new URL('./benches/', import.meta.url);

/** Runs the selected benchmarks of one file in this process; false if any of them failed. */
async function runFile(file: string, results: Measurement[]): Promise<boolean> {
  let module: BenchModule;
  try {
    module = (await import(new URL(file, directory).href)) as BenchModule;
  } catch (error) {
    process.stderr.write(
      `could not load ${file}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return false;
  }
  let ok = true;
  for (const comparison of module.comparisons ?? []) {
    if (!selected(comparison.name)) continue;
    process.stderr.write(
      `running ${comparison.name}${comparison.inFlight ? ` x${comparison.inFlight}` : ''}…\n`,
    );
    try {
      results.push(await runComparison(comparison, { quick }));
    } catch (error) {
      ok = false;
      process.stderr.write(`  failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
  }
  if (module.measure && selected(file.replace('.bench.ts', ''))) {
    process.stderr.write(`measuring ${file}…\n`);
    try {
      results.push(...(await module.measure({ quick })));
    } catch (error) {
      ok = false;
      process.stderr.write(`  failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
  }
  return ok;
}

/** Runs one file in a child process and adds its results; false if the child failed. */
function runFileInChild(file: string, scratch: string, results: Measurement[]): boolean {
  const out = join(scratch, `${file}.json`);
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), ...args, `--file=${file}`, `--out=${out}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  let written: Measurement[] = [];
  try {
    written = JSON.parse(readFileSync(out, 'utf8')) as Measurement[];
  } catch {
    process.stderr.write(`${file}: no results (exit ${child.status ?? child.signal})\n`);
  }
  results.push(...written);
  return child.status === 0;
}

const onlyFile = option('file');
if (onlyFile !== undefined) {
  // A child: one file, results to --out, no report.
  const results: Measurement[] = [];
  const ok = await runFile(onlyFile, results);
  writeFileSync(option('out') ?? 'results.json', JSON.stringify(results));
  process.exitCode = ok ? 0 : 1;
} else {
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.bench.ts'))
    .sort();
  const results: Measurement[] = [];
  let failed = false;
  const scratch = mkdtempSync(join(tmpdir(), 'mcp-warden-bench-'));
  try {
    for (const file of files) {
      // Benchmark names start with the file's stem (`validation/…` in validation.bench.ts), so a file
      // that no filter can match is not started at all.
      const stem = file.replace('.bench.ts', '');
      if (filters.length > 0 && !filters.some((filter) => stem.startsWith(filter.split('/')[0]!))) continue;
      if (!runFileInChild(file, scratch, results)) failed = true;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const report = makeReport(results, quick);
  console.log(renderTable(report));
  // A full run replaces the committed report, a filtered run only its own rows; quick runs are smoke only.
  const output = new URL(quick ? '../results/quick/' : '../results/', import.meta.url);
  writeReport(
    quick || filters.length === 0 ? report : mergeReport(report, new URL('latest.json', output)),
    output,
  );
  if (failed) process.exitCode = 1;
}
