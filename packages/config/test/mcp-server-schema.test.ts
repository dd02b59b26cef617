import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  effectiveJwtAlgorithms,
  isLoopbackHost,
  loadConfig,
  loadMcpServerConfig,
  MCP_SERVER_RELOADABLE_KEYS,
  mcpServerSchema,
} from '../src/index.js';
import { problemsFrom, tempDir } from './helpers.js';

const SECRET = 'x'.repeat(64);

describe('the ready MCP server schema', () => {
  let temp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    temp = tempDir();
  });
  afterEach(() => temp.cleanup());

  it('starts with safe defaults and no configuration (stdio, loopback, no auth)', () => {
    const { config, warnings } = loadMcpServerConfig({ env: {} });
    expect(config).toEqual({
      transport: 'stdio',
      serverHost: '127.0.0.1',
      serverPort: 8080,
      sslEnabled: false,
      tlsClientAuth: 'none',
      rateLimit: 100,
      maxConnections: 100,
      fsRoots: [],
      authMode: 'none',
      jwtKeysFromIssuer: false,
      auditLog: './mcp_security.log',
      insecureAllowNoAuth: false,
      insecureAllowPlainHttp: false,
    });
    expect(warnings).toEqual([]);
  });

  it('reads every environment name the reference server uses', () => {
    const cert = temp.file('cert.pem', 'cert', 0o644);
    const key = temp.file('key.pem', 'key');
    const ca = temp.file('ca.pem', 'ca', 0o644);
    const policy = temp.file('exec.json', '{}', 0o644);
    const jwks = temp.file('jwks.json', '{"keys":[]}', 0o644);
    const apiKeys = temp.file('api-keys', 'k');
    const hmac = temp.file('hmac', 'h');
    const jwtSecretFile = temp.file('jwt-secret', SECRET);
    const env = {
      MCP_TRANSPORT: 'http',
      MCP_SERVER_HOST: '0.0.0.0',
      MCP_SERVER_PORT: '8443',
      MCP_SSL_ENABLED: 'true',
      MCP_TLS_CERT_FILE: cert,
      MCP_TLS_KEY_FILE: key,
      MCP_TLS_CLIENT_CA_FILE: ca,
      MCP_TLS_CLIENT_AUTH: 'require',
      MCP_RATE_LIMIT: '60',
      MCP_MAX_CONNECTIONS: '20',
      MCP_FS_ROOTS: '/srv/data:/tmp/scratch',
      MCP_EXEC_POLICY_FILE: policy,
      MCP_AUTH_MODE: 'jwt',
      MCP_JWT_ISSUER: 'https://issuer.example',
      MCP_JWT_AUDIENCE: 'https://mcp.example/mcp',
      MCP_JWT_SECRET_FILE: jwtSecretFile,
      MCP_JWT_ALGORITHMS: 'HS256,HS512',
      MCP_AUDIT_LOG: '/var/log/mcp/audit.log',
      MCP_AUDIT_HMAC_KEY_FILE: hmac,
      MCP_REDIS_URL: 'rediss://:pw@cache.internal:6380',
    };
    const { config, warnings } = loadMcpServerConfig({ env });
    expect({ ...config, jwtSecret: config.jwtSecret?.reveal(), redisUrl: config.redisUrl?.reveal() }).toEqual(
      {
        transport: 'http',
        serverHost: '0.0.0.0',
        serverPort: 8443,
        sslEnabled: true,
        tlsCertFile: cert,
        tlsKeyFile: key,
        tlsClientCaFile: ca,
        tlsClientAuth: 'require',
        rateLimit: 60,
        maxConnections: 20,
        fsRoots: ['/srv/data', '/tmp/scratch'],
        execPolicyFile: policy,
        authMode: 'jwt',
        jwtIssuer: 'https://issuer.example',
        jwtAudience: 'https://mcp.example/mcp',
        jwtSecret: SECRET,
        jwtKeysFromIssuer: false,
        jwtAlgorithms: ['HS256', 'HS512'],
        auditLog: '/var/log/mcp/audit.log',
        auditHmacKeyFile: hmac,
        redisUrl: 'rediss://:pw@cache.internal:6380',
        insecureAllowNoAuth: false,
        insecureAllowPlainHttp: false,
      },
    );
    expect(warnings).toEqual([]);
    // The same settings with a JWKS file, and with API keys.
    const { MCP_JWT_SECRET_FILE: _secret, MCP_JWT_ALGORITHMS: _algorithms, ...withoutSecret } = env;
    const viaJwks = loadMcpServerConfig({ env: { ...withoutSecret, MCP_JWT_JWKS_FILE: jwks } });
    expect(viaJwks.config.jwtJwksFile).toBe(jwks);
    expect(viaJwks.config.jwtSecret).toBeUndefined();
    const viaKeys = loadMcpServerConfig({
      env: { ...withoutSecret, MCP_AUTH_MODE: 'apikey', MCP_API_KEYS_FILE: apiKeys },
    });
    expect(viaKeys.config.apiKeysFile).toBe(apiKeys);
    expect(viaKeys.warnings).toEqual(['jwtIssuer, jwtAudience set but ignored: authMode is apikey']);
  });

  it('requires the cert and key when TLS is on, and a CA when client certificates are asked for', () => {
    const problems = problemsFrom(() =>
      loadMcpServerConfig({ env: { MCP_SSL_ENABLED: 'yes', MCP_TLS_CLIENT_AUTH: 'optional' } }),
    );
    expect(problems.map((problem) => [problem.key, problem.source, problem.reason])).toEqual([
      ['tlsCertFile', 'not set', 'required when TLS is enabled'],
      ['tlsKeyFile', 'not set', 'required when TLS is enabled'],
      ['tlsClientCaFile', 'not set', 'required when client certificates are requested'],
    ]);
  });

  it('checks that the files it names exist and are regular files, and warns on a world-readable key', () => {
    const key = temp.file('key.pem', 'key', 0o644);
    const problems = problemsFrom(() =>
      loadMcpServerConfig({
        env: {
          MCP_SSL_ENABLED: 'true',
          MCP_TLS_CERT_FILE: `${temp.dir}/missing.pem`,
          MCP_TLS_KEY_FILE: temp.dir,
        },
      }),
    );
    expect(problems).toEqual([
      {
        key: 'tlsCertFile',
        source: 'env MCP_TLS_CERT_FILE',
        reason: `${temp.dir}/missing.pem: file not found`,
        code: 'ERR_CONFIG_FILE_CHECK',
      },
      {
        key: 'tlsKeyFile',
        source: 'env MCP_TLS_KEY_FILE',
        reason: `${temp.dir}: is a directory, not a file`,
        code: 'ERR_CONFIG_FILE_CHECK',
      },
    ]);
    const cert = temp.file('cert.pem', 'cert', 0o644);
    const loaded = loadMcpServerConfig({
      env: { MCP_SSL_ENABLED: 'true', MCP_TLS_CERT_FILE: cert, MCP_TLS_KEY_FILE: key },
    });
    expect(loaded.warnings).toEqual([
      `${key} (tlsKeyFile) has mode 0644: group or others may read it; use 0600 or 0400`,
    ]);
  });

  it('allows auth none only for stdio, or on loopback with the named insecure flag (which warns)', () => {
    const refused = problemsFrom(() => loadMcpServerConfig({ env: { MCP_TRANSPORT: 'http' } }));
    expect(refused.map((problem) => problem.key)).toEqual(['authMode']);
    const remote = problemsFrom(() =>
      loadMcpServerConfig({
        env: {
          MCP_TRANSPORT: 'http',
          MCP_SERVER_HOST: '0.0.0.0',
          MCP_INSECURE_ALLOW_NO_AUTH: 'true',
          MCP_INSECURE_ALLOW_PLAIN_HTTP: 'true',
        },
      }),
    );
    expect(remote.map((problem) => [problem.key, problem.reason])).toEqual([
      ['authMode', 'insecureAllowNoAuth only applies to a loopback serverHost'],
    ]);
    const local = loadMcpServerConfig({ env: { MCP_TRANSPORT: 'http', MCP_INSECURE_ALLOW_NO_AUTH: '1' } });
    expect(local.warnings).toEqual([
      'insecureAllowNoAuth is on: HTTP clients on loopback are not authenticated',
    ]);
  });

  it('refuses plain HTTP on a public address unless a TLS proxy is declared', () => {
    const base = {
      MCP_TRANSPORT: 'http',
      MCP_SERVER_HOST: '0.0.0.0',
      MCP_AUTH_MODE: 'jwt',
      MCP_JWT_ISSUER: 'https://issuer',
      MCP_JWT_AUDIENCE: 'aud',
      MCP_JWT_JWKS_URL: 'https://issuer/jwks.json',
    };
    expect(problemsFrom(() => loadMcpServerConfig({ env: base })).map((problem) => problem.key)).toEqual([
      'sslEnabled',
    ]);
    const proxied = loadMcpServerConfig({ env: { ...base, MCP_INSECURE_ALLOW_PLAIN_HTTP: 'true' } });
    expect(proxied.warnings).toEqual([
      'insecureAllowPlainHttp is on: plain HTTP is served; a TLS proxy must terminate in front',
    ]);
  });

  it('reads the keys from the issuer metadata with jwtKeysFromIssuer, as the one key source, from an https issuer', () => {
    const base = { MCP_AUTH_MODE: 'jwt', MCP_JWT_AUDIENCE: 'https://mcp.example/mcp' };
    const ok = loadMcpServerConfig({
      env: { ...base, MCP_JWT_ISSUER: 'https://tenant.auth.example/', MCP_JWT_KEYS_FROM_ISSUER: 'true' },
    });
    expect(ok.config.jwtKeysFromIssuer).toBe(true);
    expect(effectiveJwtAlgorithms(ok.config)).toEqual(['RS256', 'ES256']);
    expect(
      loadMcpServerConfig({
        env: { ...base, MCP_JWT_ISSUER: 'http://127.0.0.1:8080', MCP_JWT_KEYS_FROM_ISSUER: 'true' },
      }).config.jwtKeysFromIssuer,
    ).toBe(true);
    const twice = problemsFrom(() =>
      loadMcpServerConfig({
        env: {
          ...base,
          MCP_JWT_ISSUER: 'https://tenant.auth.example/',
          MCP_JWT_KEYS_FROM_ISSUER: 'true',
          MCP_JWT_JWKS_URL: 'https://tenant.auth.example/jwks',
        },
      }),
    );
    expect(twice.map((problem) => problem.key)).toEqual(['authMode']);
    for (const issuer of ['http://issuer.example', 'tenant-1', 'ftp://issuer.example']) {
      const problems = problemsFrom(() =>
        loadMcpServerConfig({ env: { ...base, MCP_JWT_ISSUER: issuer, MCP_JWT_KEYS_FROM_ISSUER: 'true' } }),
      );
      expect(problems.map((problem) => [problem.key, problem.reason])).toEqual([
        ['jwtIssuer', 'with jwtKeysFromIssuer, must be an https URL (http only on loopback)'],
      ]);
    }
    const hmac = problemsFrom(() =>
      loadMcpServerConfig({
        env: {
          ...base,
          MCP_JWT_ISSUER: 'https://tenant.auth.example/',
          MCP_JWT_KEYS_FROM_ISSUER: 'true',
          MCP_JWT_ALGORITHMS: 'HS256',
        },
      }),
    );
    expect(hmac.map((problem) => problem.key)).toEqual(['jwtAlgorithms']);
  });

  it('requires an issuer and exactly one key source for JWT, and no algorithm confusion', () => {
    const missing = problemsFrom(() => loadMcpServerConfig({ env: { MCP_AUTH_MODE: 'jwt' } }));
    expect(missing.map((problem) => problem.key)).toEqual(['jwtIssuer', 'authMode']);
    const both = problemsFrom(() =>
      loadMcpServerConfig({
        env: {
          MCP_AUTH_MODE: 'jwt',
          MCP_JWT_ISSUER: 'i',
          MCP_JWT_AUDIENCE: 'a',
          MCP_JWT_JWKS_URL: 'http://issuer.example/jwks',
          MCP_JWT_SECRET: SECRET,
          MCP_JWT_ALGORITHMS: 'RS256',
        },
      }),
    );
    expect(both.map((problem) => [problem.key, problem.reason])).toEqual([
      [
        'authMode',
        'auth mode jwt needs exactly one of jwtJwksUrl, jwtJwksFile, jwtSecret, jwtKeysFromIssuer',
      ],
      ['jwtAlgorithms', 'with jwtSecret only HS256/HS384/HS512 may be allowed'],
      ['jwtJwksUrl', 'must use https (http only on loopback)'],
    ]);
    const confusion = problemsFrom(() =>
      loadMcpServerConfig({
        env: {
          MCP_AUTH_MODE: 'jwt',
          MCP_JWT_ISSUER: 'i',
          MCP_JWT_AUDIENCE: 'a',
          MCP_JWT_JWKS_URL: 'http://127.0.0.1:9999/jwks',
          MCP_JWT_ALGORITHMS: 'RS256,HS256',
        },
      }),
    );
    expect(confusion.map((problem) => problem.key)).toEqual(['jwtAlgorithms']);
    expect(problemsFrom(() => loadMcpServerConfig({ env: { MCP_JWT_ALGORITHMS: 'none' } }))[0]?.key).toBe(
      'jwtAlgorithms.0',
    );
  });

  it('requires a secret as long as the HMAC hash, and picks default algorithms by key source', () => {
    const jwt = { MCP_AUTH_MODE: 'jwt', MCP_JWT_ISSUER: 'i', MCP_JWT_AUDIENCE: 'a' };
    const problems = problemsFrom(() =>
      loadMcpServerConfig({
        env: { ...jwt, MCP_JWT_SECRET: 'k'.repeat(40), MCP_JWT_ALGORITHMS: 'HS256,HS384,HS512' },
      }),
    );
    expect(problems.map((problem) => [problem.key, problem.reason])).toEqual([
      ['jwtSecret', 'HS384 needs a secret of at least 48 bytes'],
      ['jwtSecret', 'HS512 needs a secret of at least 64 bytes'],
    ]);
    expect(JSON.stringify(problems)).not.toContain('k'.repeat(40));
    const hmac = loadMcpServerConfig({
      env: { ...jwt, MCP_JWT_SECRET: 'k'.repeat(64), MCP_JWT_ALGORITHMS: 'HS512' },
    });
    expect(effectiveJwtAlgorithms(hmac.config)).toEqual(['HS512']);
    expect(
      effectiveJwtAlgorithms(loadMcpServerConfig({ env: { ...jwt, MCP_JWT_SECRET: 'k'.repeat(32) } }).config),
    ).toEqual(['HS256']);
    const remote = loadMcpServerConfig({ env: { ...jwt, MCP_JWT_JWKS_URL: 'https://issuer/jwks' } });
    expect(effectiveJwtAlgorithms(remote.config)).toEqual(['RS256', 'ES256']);
  });

  it('refuses a short JWT secret, relative fs roots and a non-redis Redis URL, without echoing secrets', () => {
    const problems = problemsFrom(() =>
      loadMcpServerConfig({
        env: {
          MCP_JWT_SECRET: 'short-secret',
          MCP_FS_ROOTS: '/ok:relative/dir',
          MCP_REDIS_URL: 'http://user:topsecretpw@host',
        },
      }),
    );
    expect(problems.map((problem) => [problem.key, problem.reason])).toEqual([
      ['fsRoots.1', 'must be an absolute path'],
      ['jwtSecret', 'must be at least 32 characters (256 bits)'],
      ['redisUrl', 'must be a redis:// or rediss:// URL'],
    ]);
    expect(JSON.stringify(problems)).not.toMatch(/short-secret|topsecretpw/);
  });

  it('warns about settings another auth mode would use, and about unencrypted Redis', () => {
    const { warnings } = loadMcpServerConfig({
      env: { MCP_JWT_ISSUER: 'i', MCP_REDIS_URL: 'redis://cache.internal:6379' },
    });
    expect(warnings).toEqual([
      'jwtIssuer set but ignored: authMode is none',
      'redisUrl uses redis:// to cache.internal: traffic and password are unencrypted; use rediss://',
    ]);
  });

  it('can be extended with safeExtend, keeping the cross-field rules', () => {
    const extended = mcpServerSchema.safeExtend({ logLevel: z.enum(['info', 'debug']).default('info') });
    expect(loadConfig(extended, { env: { MCP_LOG_LEVEL: 'debug' } }).config.logLevel).toBe('debug');
    expect(problemsFrom(() => loadConfig(extended, { env: { MCP_TRANSPORT: 'http' } }))[0]?.key).toBe(
      'authMode',
    );
  });

  it('names reloadable keys that exist in the schema', () => {
    for (const key of MCP_SERVER_RELOADABLE_KEYS) expect(Object.keys(mcpServerSchema.shape)).toContain(key);
  });

  it('recognises loopback hosts only', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'localhost.evil.com', '127.0.0.1.nip.io', '128.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
