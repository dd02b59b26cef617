import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';
import { commaList, pathList, readableFile, secretFile } from './field-markers.js';
import { type LoadConfigOptions, type LoadedConfig, loadConfig } from './load-config.js';
import { Secret, secret } from './secret.js';

/** JWT algorithms the ready schema accepts; `none` is not one of them. */
export const JWT_ALGORITHMS: readonly [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** One of {@link JWT_ALGORITHMS}. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
type Enum<T extends string> = z.ZodEnum<{ [K in T]: K }>;
type SecretString<S extends z.ZodType<string>> = z.ZodPipe<S, z.ZodTransform<Secret<string>, string>>;

/** The fields of {@link mcpServerSchema}, for code that extends it. */
export type McpServerShape = {
  transport: z.ZodDefault<Enum<'stdio' | 'http'>>;
  serverHost: z.ZodDefault<z.ZodString>;
  serverPort: z.ZodDefault<z.ZodInt>;
  sslEnabled: z.ZodDefault<z.ZodBoolean>;
  tlsCertFile: z.ZodOptional<z.ZodString>;
  tlsKeyFile: z.ZodOptional<z.ZodString>;
  tlsClientCaFile: z.ZodOptional<z.ZodString>;
  tlsClientAuth: z.ZodDefault<Enum<'none' | 'optional' | 'require'>>;
  rateLimit: z.ZodDefault<z.ZodInt>;
  maxConnections: z.ZodDefault<z.ZodInt>;
  fsRoots: z.ZodDefault<z.ZodArray<z.ZodString>>;
  execPolicyFile: z.ZodOptional<z.ZodString>;
  authMode: z.ZodDefault<Enum<'jwt' | 'apikey' | 'none'>>;
  jwtIssuer: z.ZodOptional<z.ZodString>;
  jwtAudience: z.ZodOptional<z.ZodString>;
  jwtJwksUrl: z.ZodOptional<z.ZodURL>;
  jwtJwksFile: z.ZodOptional<z.ZodString>;
  jwtKeysFromIssuer: z.ZodDefault<z.ZodBoolean>;
  jwtSecret: z.ZodOptional<SecretString<z.ZodString>>;
  jwtAlgorithms: z.ZodOptional<z.ZodArray<Enum<JwtAlgorithm>>>;
  apiKeysFile: z.ZodOptional<z.ZodString>;
  wardenApiKeyPepper: z.ZodOptional<SecretString<z.ZodString>>;
  auditLog: z.ZodDefault<z.ZodString>;
  auditHmacKeyFile: z.ZodOptional<z.ZodString>;
  redisUrl: z.ZodOptional<SecretString<z.ZodURL>>;
  insecureAllowNoAuth: z.ZodDefault<z.ZodBoolean>;
  insecureAllowPlainHttp: z.ZodDefault<z.ZodBoolean>;
};

const path = (): z.ZodString => z.string().min(1).max(4096);

const shape: McpServerShape = {
  transport: z.enum(['stdio', 'http']).default('stdio'),
  serverHost: z.string().min(1).max(253).default('127.0.0.1'),
  serverPort: z.int().min(0).max(65535).default(8080),
  sslEnabled: z.boolean().default(false),
  tlsCertFile: readableFile(path()).optional(),
  tlsKeyFile: secretFile(path()).optional(),
  tlsClientCaFile: readableFile(path()).optional(),
  tlsClientAuth: z.enum(['none', 'optional', 'require']).default('none'),
  rateLimit: z.int().min(1).max(1_000_000).default(100),
  maxConnections: z.int().min(1).max(100_000).default(100),
  fsRoots: pathList(path().refine((value) => isAbsolute(value), 'must be an absolute path')).default([]),
  execPolicyFile: readableFile(path()).optional(),
  authMode: z.enum(['jwt', 'apikey', 'none']).default('none'),
  jwtIssuer: z.string().min(1).max(2048).optional(),
  jwtAudience: z.string().min(1).max(2048).optional(),
  jwtJwksUrl: z.url({ protocol: /^https?$/ }).optional(),
  jwtJwksFile: readableFile(path()).optional(),
  /** Read the JWKS URL from the issuer's RFC 8414 / OpenID Connect metadata instead of configuring it. */
  jwtKeysFromIssuer: z.boolean().default(false),
  jwtSecret: secret(z.string().min(32, 'must be at least 32 characters (256 bits)').max(4096)).optional(),
  jwtAlgorithms: commaList(z.enum(JWT_ALGORITHMS)).min(1).optional(),
  apiKeysFile: secretFile(path()).optional(),
  // MCP_WARDEN_API_KEY_PEPPER: the name the auth package's key-minting CLI reads.
  wardenApiKeyPepper: secret(z.string().min(16, 'must be at least 16 characters').max(4096)).optional(),
  auditLog: path().default('./mcp_security.log'),
  auditHmacKeyFile: secretFile(path()).optional(),
  redisUrl: secret(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })).optional(),
  insecureAllowNoAuth: z.boolean().default(false),
  insecureAllowPlainHttp: z.boolean().default(false),
};

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|\[::1\]|localhost)$/i;

/** True for a loopback host name or address (`127.0.0.0/8`, `::1`, `localhost`). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

type Issue = { readonly path: string; readonly message: string };

/** The settings the cross-field rules read; loosely typed because they also run on invalid input. */
type Settings = Readonly<Record<string, unknown>>;

/** Cross-field rules of the ready schema, as plain data: every one that fails is reported. */
export function mcpServerRuleIssues(settings: Settings): readonly Issue[] {
  const issues: Issue[] = [];
  const has = (key: string): boolean => settings[key] !== undefined && settings[key] !== '';
  const host = typeof settings.serverHost === 'string' ? settings.serverHost : '';
  const http = settings.transport === 'http';
  if (settings.sslEnabled === true) {
    if (!has('tlsCertFile')) issues.push({ path: 'tlsCertFile', message: 'required when TLS is enabled' });
    if (!has('tlsKeyFile')) issues.push({ path: 'tlsKeyFile', message: 'required when TLS is enabled' });
  }
  if (settings.tlsClientAuth === 'optional' || settings.tlsClientAuth === 'require') {
    if (settings.sslEnabled !== true)
      issues.push({ path: 'tlsClientAuth', message: 'client certificates need TLS enabled' });
    if (!has('tlsClientCaFile')) {
      issues.push({ path: 'tlsClientCaFile', message: 'required when client certificates are requested' });
    }
  }
  if (
    http &&
    settings.sslEnabled !== true &&
    settings.insecureAllowPlainHttp !== true &&
    !isLoopbackHost(host)
  ) {
    issues.push({
      path: 'sslEnabled',
      message:
        'plain HTTP on a non-loopback address: enable TLS, or set insecureAllowPlainHttp when a TLS proxy terminates in front',
    });
  }
  if (http && settings.authMode === 'none') {
    if (settings.insecureAllowNoAuth !== true) {
      issues.push({
        path: 'authMode',
        message: 'auth mode none is only allowed for stdio, or with insecureAllowNoAuth on loopback',
      });
    } else if (!isLoopbackHost(host)) {
      issues.push({ path: 'authMode', message: 'insecureAllowNoAuth only applies to a loopback serverHost' });
    }
  }
  if (settings.authMode === 'jwt') {
    if (!has('jwtIssuer')) issues.push({ path: 'jwtIssuer', message: 'required for auth mode jwt' });
    const discover = settings.jwtKeysFromIssuer === true;
    const keySources = ['jwtJwksUrl', 'jwtJwksFile', 'jwtSecret'].filter(has).length + (discover ? 1 : 0);
    if (keySources !== 1) {
      issues.push({
        path: 'authMode',
        message: 'auth mode jwt needs exactly one of jwtJwksUrl, jwtJwksFile, jwtSecret, jwtKeysFromIssuer',
      });
    }
    // The issuer's metadata is fetched from the issuer's own URL: https, as a JWKS URL must be.
    if (discover && typeof settings.jwtIssuer === 'string') {
      const url = URL.canParse(settings.jwtIssuer) ? new URL(settings.jwtIssuer) : undefined;
      if (
        url === undefined ||
        !(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))
      ) {
        issues.push({
          path: 'jwtIssuer',
          message: 'with jwtKeysFromIssuer, must be an https URL (http only on loopback)',
        });
      }
    }
    const algorithms = Array.isArray(settings.jwtAlgorithms) ? (settings.jwtAlgorithms as unknown[]) : [];
    const symmetric = algorithms.filter((alg) => typeof alg === 'string' && alg.startsWith('HS'));
    if (has('jwtSecret') && symmetric.length !== algorithms.length) {
      issues.push({ path: 'jwtAlgorithms', message: 'with jwtSecret only HS256/HS384/HS512 may be allowed' });
    }
    const secretValue =
      settings.jwtSecret instanceof Secret ? settings.jwtSecret.reveal() : settings.jwtSecret;
    if (typeof secretValue === 'string') {
      const bytes = Buffer.byteLength(secretValue);
      for (const alg of symmetric) {
        const needed = Number(String(alg).slice(2)) / 8;
        if (bytes < needed) {
          issues.push({
            path: 'jwtSecret',
            message: `${String(alg)} needs a secret of at least ${needed} bytes`,
          });
        }
      }
    }
    if (!has('jwtSecret') && symmetric.length > 0) {
      issues.push({
        path: 'jwtAlgorithms',
        message: 'HS* algorithms need jwtSecret; with a key set they allow key confusion',
      });
    }
  }
  // The parsed scheme, not the text: `HTTP://` is http too.
  if (typeof settings.jwtJwksUrl === 'string' && URL.canParse(settings.jwtJwksUrl)) {
    const url = new URL(settings.jwtJwksUrl);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
      issues.push({ path: 'jwtJwksUrl', message: 'must use https (http only on loopback)' });
  }
  if (settings.authMode === 'apikey' && !has('apiKeysFile')) {
    issues.push({ path: 'apiKeysFile', message: 'required for auth mode apikey' });
  }
  return issues;
}

/**
 * Common settings of an MCP server, with the environment names the reference server uses
 * (`MCP_SERVER_HOST`, `MCP_JWT_SECRET_FILE`, …) and cross-field rules (TLS needs cert and key; auth
 * `none` only for stdio or, with `insecureAllowNoAuth`, on loopback; JWT needs issuer, audience and
 * one key source; …). Extend it with `mcpServerSchema.safeExtend({ … })`, which keeps the rules.
 */
export const mcpServerSchema: z.ZodObject<McpServerShape, z.core.$strip> = z.object(shape).superRefine(
  (settings, context) => {
    for (const issue of mcpServerRuleIssues(settings as Settings)) {
      context.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
    }
  },
  // Run even when single fields failed, so every problem is reported in one go.
  { when: () => true },
);

/** The loaded type of {@link mcpServerSchema}. */
export type McpServerConfig = DeepReadonly<z.output<typeof mcpServerSchema>>;

/**
 * The JWT algorithms to allow: `jwtAlgorithms` when set, else `HS256` with `jwtSecret` and
 * `RS256`, `ES256` with a key set. The auth package requires an explicit, non-empty list per key source.
 */
export function effectiveJwtAlgorithms(config: McpServerConfig): readonly JwtAlgorithm[] {
  if (config.jwtAlgorithms !== undefined) return config.jwtAlgorithms;
  return config.jwtSecret !== undefined ? ['HS256'] : ['RS256', 'ES256'];
}

/** Keys of {@link mcpServerSchema} that may change on reload without a restart. */
export const MCP_SERVER_RELOADABLE_KEYS: readonly string[] = ['rateLimit', 'maxConnections', 'jwtSecret'];

/** Warnings for a valid config of {@link mcpServerSchema}: each insecure switch that is on. */
export function mcpServerWarnings(config: McpServerConfig): readonly string[] {
  const warnings: string[] = [];
  if (config.insecureAllowNoAuth) {
    warnings.push('insecureAllowNoAuth is on: HTTP clients on loopback are not authenticated');
  }
  if (config.insecureAllowPlainHttp) {
    warnings.push('insecureAllowPlainHttp is on: plain HTTP is served; a TLS proxy must terminate in front');
  }
  const unused = (
    [
      ['jwt', ['jwtIssuer', 'jwtAudience', 'jwtJwksUrl', 'jwtJwksFile', 'jwtSecret', 'jwtAlgorithms']],
      ['apikey', ['apiKeysFile', 'wardenApiKeyPepper']],
    ] as const
  ).flatMap(([mode, keys]) =>
    config.authMode === mode ? [] : keys.filter((key) => config[key] !== undefined),
  );
  if (unused.length > 0)
    warnings.push(`${unused.join(', ')} set but ignored: authMode is ${config.authMode}`);
  const redis = config.redisUrl?.reveal();
  if (redis !== undefined && URL.canParse(redis)) {
    const url = new URL(redis);
    if (url.protocol === 'redis:' && !isLoopbackHost(url.hostname)) {
      warnings.push(
        `redisUrl uses redis:// to ${url.hostname}: traffic and password are unencrypted; use rediss://`,
      );
    }
  }
  if (config.tlsClientAuth === 'optional') {
    warnings.push('tlsClientAuth is optional: clients without a certificate are accepted');
  }
  return warnings;
}

/**
 * Loads {@link mcpServerSchema} from `MCP_*` variables, the JSON file `MCP_CONFIG_FILE` names, and
 * overrides, with its warnings. Throws `ERR_CONFIG_INVALID` with every problem.
 */
export function loadMcpServerConfig(
  options: LoadConfigOptions<z.output<typeof mcpServerSchema>> = {},
): LoadedConfig<z.output<typeof mcpServerSchema>> {
  return loadConfig(mcpServerSchema, {
    ...options,
    warnings: (config) => [...mcpServerWarnings(config), ...(options.warnings?.(config) ?? [])],
  });
}
