import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/index.js';
import { tempDir } from './helpers.js';

const schema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.int().min(1).max(65535).default(8080),
  debug: z.boolean().default(false),
  server: z.object({
    name: z.string().default('from-default'),
    tags: z.array(z.string()).default([]),
  }),
});

describe('precedence: defaults < file < env < flags < overrides', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('uses the defaults when nothing is set, and says so', () => {
    const loaded = loadConfig(schema, { env: {} });
    expect(loaded.config).toEqual({
      host: '127.0.0.1',
      port: 8080,
      debug: false,
      server: { name: 'from-default', tags: [] },
    });
    expect(loaded.entries.map((entry) => entry.source)).toEqual([
      'default',
      'default',
      'default',
      'default',
      'default',
    ]);
    expect(loaded.layers).toEqual(['default']);
  });

  it('lets each source win over the ones below it, key by key, and records the source of each value', () => {
    const file = temp.file(
      'config.json',
      JSON.stringify({
        host: 'file-host',
        port: 1000,
        debug: true,
        server: { name: 'file-name', tags: ['a'] },
      }),
    );
    const loaded = loadConfig(schema, {
      env: { MCP_CONFIG_FILE: file, MCP_PORT: '2000', MCP_DEBUG: 'false', MCP_SERVER__NAME: 'env-name' },
      argv: ['--server.name', 'flag-name', '--port=3000'],
      overrides: { port: 4000 },
    });
    expect(loaded.config).toEqual({
      host: 'file-host',
      port: 4000,
      debug: false,
      server: { name: 'flag-name', tags: ['a'] },
    });
    const source = Object.fromEntries(loaded.entries.map((entry) => [entry.key, entry.source]));
    expect(source).toEqual({
      host: `file ${file} key host`,
      port: 'override port',
      debug: 'env MCP_DEBUG',
      'server.name': 'flag --server.name',
      'server.tags': `file ${file} key server.tags`,
    });
    expect(loaded.layers).toEqual([`file ${file}`, 'env', 'argv', 'override']);
  });

  it('reads nested keys from PREFIX_A__B variables and merges them with the file object', () => {
    const file = temp.file('c.json', JSON.stringify({ server: { name: 'file-name' } }));
    const loaded = loadConfig(schema, { file, env: { MCP_SERVER__TAGS: 'x, y' } });
    expect(loaded.config.server).toEqual({ name: 'file-name', tags: ['x', 'y'] });
  });

  it('an explicit file option wins over the variable naming one', () => {
    const a = temp.file('a.json', JSON.stringify({ host: 'a' }));
    const b = temp.file('b.json', JSON.stringify({ host: 'b' }));
    expect(loadConfig(schema, { file: b, env: { MCP_CONFIG_FILE: a } }).config.host).toBe('b');
  });

  it('uses another prefix when told, and ignores variables of other prefixes', () => {
    const loaded = loadConfig(schema, {
      envPrefix: 'APP_',
      env: { APP_PORT: '9', MCP_PORT: '10', MCP_TYPO: 'x' },
    });
    expect(loaded.config.port).toBe(9);
  });

  it('rejects a prefix that would match unrelated variables', () => {
    expect(() => loadConfig(schema, { envPrefix: '', env: {} })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_OPTIONS' }),
    );
    expect(() => loadConfig(schema, { envPrefix: 'mcp', env: {} })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_OPTIONS' }),
    );
  });

  it('rejects a schema whose keys collide on one variable name', () => {
    const clash = z.object({ maxConn: z.string().optional(), max_conn: z.string().optional() });
    expect(() => loadConfig(clash, { env: {} })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_SCHEMA' }),
    );
  });

  it('reads an empty variable as a value unless emptyEnvAsUnset says it means "not set"', () => {
    const env = { MCP_DEBUG: '', MCP_PORT: '', MCP_CONFIG_FILE: '' };
    expect(() => loadConfig(schema, { env })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
    const loaded = loadConfig(schema, { env, emptyEnvAsUnset: true });
    expect(loaded.config.debug).toBe(false);
    expect(loaded.config.port).toBe(8080);
    expect(loaded.entries.find((entry) => entry.key === 'port')?.source).toBe('default');
  });
});
