// Re-renders results/latest.svg from results/latest.json (after a change to the chart, without re-measuring).
import { readFileSync, writeFileSync } from 'node:fs';
import { type Report, renderSvg } from './report.js';

const directory = new URL('../results/', import.meta.url);
const report = JSON.parse(readFileSync(new URL('latest.json', directory), 'utf8')) as Report;
writeFileSync(new URL('latest.svg', directory), `${renderSvg(report)}\n`);
