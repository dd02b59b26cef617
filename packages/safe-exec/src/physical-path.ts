import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, parse, resolve } from 'node:path';

/**
 * The absolute path the kernel reaches when a program opens `value` from `cwd`. `path.resolve`
 * removes `..` lexically, but the kernel takes `..` from where a symlink led: with `link -> /outside`,
 * `link/../secret` is `/secret`, not `./secret`. So each `..` is taken from the real path of what
 * precedes it. A path without a `..` segment is the lexical resolution (the path check follows its
 * symlinks). When a component before a `..` does not exist, the kernel cannot open the path at all,
 * and the lexical parent is used.
 */
export async function physicalPath(cwd: string, value: string): Promise<string> {
  const segments = value.split(process.platform === 'win32' ? /[\\/]+/ : /\/+/);
  if (!segments.includes('..')) return resolve(cwd, value);
  let current = isAbsolute(value) ? parse(resolve(value)).root : resolve(cwd);
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      let real: string;
      try {
        real = await realpath(current);
      } catch {
        real = current;
      }
      current = dirname(real);
      continue;
    }
    current = join(current, segment);
  }
  return current;
}
