// pnpm bench [--quick] [name-prefix ...]: runs every benchmark in src/benches (or those whose name starts
// with a given prefix), prints a table, and writes results/latest.json and results/latest.svg
// (--quick writes results/quick/ instead, which is not committed).
import { readdirSync } from 'node:fs';
import { type BenchModule, type Measurement, runComparison } from './harness.js';
import { makeReport, mergeReport, renderTable, writeReport } from './report.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((arg) => !arg.startsWith('--'));
const selected = (name: string) => filters.length === 0 || filters.some((filter) => name.startsWith(filter));

const directory = new URL('./benches/', import.meta.url);
const files = readdirSync(directory)
  .filter((file) => file.endsWith('.bench.ts'))
  .sort();
const results: Measurement[] = [];
let failed = false;
for (const file of files) {
  let module: BenchModule;
  try {
    module = (await import(new URL(file, directory).href)) as BenchModule;
  } catch (error) {
    failed = true;
    process.stderr.write(
      `could not load ${file}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    continue;
  }
  for (const comparison of module.comparisons ?? []) {
    if (!selected(comparison.name)) continue;
    process.stderr.write(
      `running ${comparison.name}${comparison.inFlight ? ` x${comparison.inFlight}` : ''}…\n`,
    );
    try {
      results.push(await runComparison(comparison, { quick }));
    } catch (error) {
      failed = true;
      process.stderr.write(`  failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
  }
  if (module.measure && selected(file.replace('.bench.ts', ''))) {
    process.stderr.write(`measuring ${file}…\n`);
    try {
      results.push(...(await module.measure({ quick })));
    } catch (error) {
      failed = true;
      process.stderr.write(`  failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    }
  }
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
