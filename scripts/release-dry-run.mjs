// Proves every public package would publish with the right files, and that changed packages carry a
// changeset.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { publicPackages } from './public-packages.mjs';

const root = resolve(import.meta.dirname, '..');
const run = (cmd, args, cwd = root) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const problems = [];

for (const { path, manifest } of publicPackages(root)) {
  const [packed] = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--loglevel=error'], path));
  const files = packed.files.map((file) => file.path);
  for (const required of ['package.json', 'README.md', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts']) {
    if (!files.includes(required)) problems.push(`${manifest.name}: ${required} would not be published`);
  }
  for (const file of files) {
    if (/^(src|test|examples)\//.test(file) || file.endsWith('.tsbuildinfo')) {
      problems.push(`${manifest.name}: ${file} would be published`);
    }
  }
  if (manifest.publishConfig?.access !== 'public')
    problems.push(`${manifest.name}: publishConfig.access is not public`);
  console.log(`${manifest.name}@${manifest.version}: ${files.length} files, ${packed.size} bytes packed`);
}
run('pnpm', ['-r', '--filter', './packages/*', 'publish', '--dry-run', '--no-git-checks']);

// Every package changed since the last release (the last "Version packages" commit, as
// `changeset version` is committed by convention; else the first commit) needs a pending changeset.
const lastRelease =
  run('git', ['log', '-1', '--format=%H', '--grep=^Version packages']).trim() ||
  run('git', ['rev-list', '--max-parents=0', 'HEAD']).trim().split('\n').pop();
try {
  run('pnpm', ['exec', 'changeset', 'status', `--since=${lastRelease}`]);
  console.log(`changeset status: every package changed since ${lastRelease.slice(0, 12)} has a changeset`);
} catch (error) {
  problems.push(
    `changeset status failed:\n${error.stdout?.toString() ?? ''}${error.stderr?.toString() ?? ''}`,
  );
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('release dry run: ok');
