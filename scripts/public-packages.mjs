import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The workspace packages that are published to npm: every non-private package under packages/. */
export function publicPackages(root) {
  const dir = join(root, 'packages');
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) => ({ path, manifest: JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true);
}
