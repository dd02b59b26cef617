import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAllowedConfigKey, SAFE_REPOSITORY_CONFIG } from '../src/index.js';

describe('isAllowedConfigKey', () => {
  it('accepts the keys git init and clone write, with any subsection', () => {
    for (const key of [
      'core.repositoryformatversion',
      'core.bare',
      'remote.origin.url',
      'remote.my.dotted.name.fetch',
      'branch.feature/x.merge',
      'user.email',
      'CORE.FileMode',
    ]) {
      expect(isAllowedConfigKey(key, SAFE_REPOSITORY_CONFIG), key).toBe(true);
    }
  });

  it('refuses every key known to run a program, whatever its subsection or case', () => {
    for (const key of [
      'core.fsmonitor',
      'core.pager',
      'core.sshcommand',
      'core.hookspath',
      'core.editor',
      'core.askpass',
      'core.gitproxy',
      'diff.external',
      'diff.evil.command',
      'diff.evil.textconv',
      'filter.lfs.clean',
      'filter.evil.process',
      'merge.evil.driver',
      'pager.log',
      'alias.st',
      'include.path',
      'includeif.gitdir:/x.path',
      'credential.helper',
      'gpg.program',
      'log.showsignature',
      'uploadpack.packobjectshook',
      'remote.origin.uploadpack',
      'core.worktree.x',
      'sequence.editor',
      'remote.url',
      'user',
      '.url',
      'remote..url.',
    ]) {
      expect(isAllowedConfigKey(key, SAFE_REPOSITORY_CONFIG), key).toBe(false);
    }
  });

  it('fast-check: a key is accepted only if its section and name match an allowlist entry', () => {
    const parts = fc.stringMatching(/^[A-Za-z0-9.:/_-]{0,12}$/);
    fc.assert(
      fc.property(parts, parts, parts, (section, sub, name) => {
        const key = sub === '' ? `${section}.${name}` : `${section}.${sub}.${name}`;
        if (!isAllowedConfigKey(key, SAFE_REPOSITORY_CONFIG)) return;
        const first = key.slice(0, key.indexOf('.')).toLowerCase();
        const last = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
        const matching = SAFE_REPOSITORY_CONFIG.filter((entry) => {
          const bits = entry.split('.');
          return bits[0] === first && bits.at(-1) === last;
        });
        expect(matching.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });
});
