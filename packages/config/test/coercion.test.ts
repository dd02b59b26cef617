import { delimiter } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  commaList,
  envNameOf,
  loadConfig,
  parseBoolean,
  parseNumber,
  pathList,
  splitList,
} from '../src/index.js';
import { problemsFrom } from './helpers.js';

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

describe('booleans', () => {
  it('reads "false", "0", "no", "off" as false and their opposites as true, in any case', () => {
    const schema = z.object({ flag: z.boolean() });
    for (const word of FALSE) {
      for (const spelling of [word, word.toUpperCase(), ` ${word} `]) {
        expect(loadConfig(schema, { env: { MCP_FLAG: spelling } }).config.flag).toBe(false);
      }
    }
    for (const word of TRUE)
      expect(loadConfig(schema, { env: { MCP_FLAG: word.toUpperCase() } }).config.flag).toBe(true);
  });

  it('refuses anything else instead of reading it as false (property)', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const result = parseBoolean(raw);
        const word = raw.trim().toLowerCase();
        if (TRUE.includes(word)) return result.ok && result.value === true;
        if (FALSE.includes(word)) return result.ok && result.value === false;
        return !result.ok;
      }),
    );
  });

  it('refuses an empty or misspelt boolean, naming the variable', () => {
    const schema = z.object({ flag: z.boolean().default(true), other: z.boolean().default(true) });
    const problems = problemsFrom(() => loadConfig(schema, { env: { MCP_FLAG: '', MCP_OTHER: 'flase' } }));
    expect(problems.map((p) => [p.key, p.source, p.code])).toEqual([
      ['flag', 'env MCP_FLAG', 'ERR_CONFIG_COERCE'],
      ['other', 'env MCP_OTHER', 'ERR_CONFIG_COERCE'],
    ]);
  });
});

describe('numbers', () => {
  it('reads every finite number back exactly (property)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const result = parseNumber(String(value));
        return result.ok && Object.is(result.value, value === 0 ? 0 : value) === true;
      }),
    );
  });

  it('refuses empty strings, hex, Infinity, NaN and numbers that overflow to Infinity', () => {
    for (const raw of ['', ' ', '0x10', 'Infinity', '-Infinity', 'NaN', '1e400', '12abc', '1_000', '--1']) {
      expect(parseNumber(raw).ok, raw).toBe(false);
    }
  });

  it('requires integers where the schema says int, and checks the range', () => {
    const schema = z.object({ port: z.int().min(1).max(65535), limit: z.int(), big: z.int() });
    const problems = problemsFrom(() =>
      loadConfig(schema, { env: { MCP_PORT: '70000', MCP_LIMIT: '1.5', MCP_BIG: '9007199254740993' } }),
    );
    expect(problems.map((p) => [p.key, p.source, p.code])).toEqual([
      ['port', 'env MCP_PORT', 'ERR_CONFIG_VALIDATION'],
      ['limit', 'env MCP_LIMIT', 'ERR_CONFIG_VALIDATION'],
      ['big', 'env MCP_BIG', 'ERR_CONFIG_VALIDATION'],
    ]);
  });

  it('does not coerce JSON file values: a string where a number belongs is an error', () => {
    const schema = z.object({ port: z.int() });
    const problems = problemsFrom(() => loadConfig(schema, { env: {}, overrides: { port: '8080' } }));
    expect(problems[0]?.code).toBe('ERR_CONFIG_VALIDATION');
  });
});

describe('lists', () => {
  it('splits comma lists, trimming items and dropping empty ones', () => {
    const schema = z.object({ names: commaList(z.string()), ports: z.array(z.int()) });
    const loaded = loadConfig(schema, { env: { MCP_NAMES: ' a, b ,,c, ', MCP_PORTS: '1,2, 3' } });
    expect(loaded.config).toEqual({ names: ['a', 'b', 'c'], ports: [1, 2, 3] });
  });

  it('splits path lists on the platform delimiter; an empty entry never means the current directory', () => {
    const schema = z.object({ roots: pathList(z.string()) });
    const raw = ['/srv/a', '', '/srv/b,c', ''].join(delimiter);
    expect(loadConfig(schema, { env: { MCP_ROOTS: raw } }).config.roots).toEqual(['/srv/a', '/srv/b,c']);
  });

  it('names the bad item of a list', () => {
    const schema = z.object({ ports: z.array(z.int()) });
    const problems = problemsFrom(() => loadConfig(schema, { env: { MCP_PORTS: '1,x,3' } }));
    expect(problems).toEqual([
      {
        key: 'ports',
        source: 'env MCP_PORTS',
        reason: 'item 2: expected a decimal number',
        code: 'ERR_CONFIG_COERCE',
      },
    ]);
  });

  it('round-trips any list of items without delimiters or edge spaces (property)', () => {
    const item = fc
      .string({ minLength: 1 })
      .filter((s) => !s.includes(',') && s.trim() === s && s.length > 0);
    fc.assert(
      fc.property(fc.array(item), (items) => {
        expect(splitList(items.join(','), { delimiter: 'comma' })).toEqual(items);
      }),
    );
  });

  it('reads JSON for fields it cannot split (records, unions of objects)', () => {
    const schema = z.object({ headers: z.record(z.string(), z.string()).default({}) });
    expect(loadConfig(schema, { env: { MCP_HEADERS: '{"a":"b"}' } }).config.headers).toEqual({ a: 'b' });
  });
});

describe('names', () => {
  it('maps camelCase keys to SCREAMING_SNAKE and nesting to __', () => {
    expect(envNameOf(['maxConnections'])).toBe('MAX_CONNECTIONS');
    expect(envNameOf(['tlsClientCaFile'])).toBe('TLS_CLIENT_CA_FILE');
    expect(envNameOf(['server', 'host'])).toBe('SERVER__HOST');
    expect(envNameOf(['jwtJWKSUrl'])).toBe('JWT_JWKS_URL');
  });

  it('gives distinct, well-formed names to keys that differ other than in case (property)', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(?:[A-Z][a-z0-9]{1,6}){0,3}$/);
    fc.assert(
      fc.property(key, key, (a, b) => {
        expect(envNameOf([a])).toMatch(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/);
        expect(envNameOf([a]).replaceAll('_', '').toLowerCase()).toBe(a.toLowerCase());
        if (a.toLowerCase() !== b.toLowerCase()) expect(envNameOf([a])).not.toBe(envNameOf([b]));
      }),
    );
  });
});
