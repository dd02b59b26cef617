// Packs every public package, installs the tarballs into a scratch project outside the workspace with
// plain npm, imports each from ESM and typechecks a TS file against them: what `pnpm add` gives a user.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { publicPackages } from './public-packages.mjs';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'mcp-warden-smoke-'));
const tarballs = join(scratch, 'tarballs');
mkdirSync(tarballs);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString();

try {
  const packages = publicPackages(root);
  for (const { path } of packages) run('pnpm', ['pack', '--pack-destination', tarballs], path);
  const files = readdirSync(tarballs).map((file) => join(tarballs, file));
  const project = join(scratch, 'project');
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'smoke', private: true, type: 'module' }),
  );
  const peers = ['@modelcontextprotocol/sdk@1', 'zod@4', 'typescript@5.9', '@types/node@20'];
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files, ...peers], project);

  const names = packages.map(({ manifest }) => manifest.name);
  const imports = names.map((name, i) => `import * as m${i} from '${name}';`).join('\n');
  const checks = names.map((name, i) => `  ['${name}', Object.keys(m${i}).length],`).join('\n');
  const source = `${imports}\nconst counts: [string, number][] = [\n${checks}\n];\nfor (const [name, count] of counts) {\n  if (count === 0) throw new TypeError(name + ' exports nothing');\n  console.log(name + ': ' + count + ' exports');\n}\n`;
  writeFileSync(join(project, 'smoke.ts'), source);
  writeFileSync(join(project, 'smoke.mjs'), source.replace(': [string, number][]', ''));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2023',
        strict: true,
        noEmit: true,
        types: ['node'],
      },
      files: ['smoke.ts'],
    }),
  );
  run(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], project);
  process.stdout.write(run(process.execPath, ['smoke.mjs'], project));
  console.log(
    `install smoke: ${names.length} packages installed with npm, imported from ESM and typechecked`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
