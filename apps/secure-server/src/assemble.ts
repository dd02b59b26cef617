import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { type AuditSink, createAuditSink } from '@mcp-warden/audit';
import {
  type ApiKeyRecord,
  type AsymmetricAlgorithm,
  createApiKeyVerifier,
  createDpopVerifier,
  createResourceServer,
  createTlsServerOptions,
  type HmacAlgorithm,
  type KeySource,
  memoryApiKeyStore,
  memoryReplayCache,
  type ReplayCache,
  type ResourceServer,
  type TlsServerConfig,
  type WardenAuthInfo,
} from '@mcp-warden/auth';
import { effectiveJwtAlgorithms } from '@mcp-warden/config';
import { ConfigError, type EventSink, secureMcpServer, sessionOwnership } from '@mcp-warden/core';
import {
  httpRateLimit,
  MemoryStore,
  nodeRedisScripts,
  type RateLimitStore,
  RedisStore,
} from '@mcp-warden/ratelimit';
import {
  catPolicy,
  createExecutor,
  type ExecPolicy,
  findPolicy,
  gitPolicy,
  grepPolicy,
  lsPolicy,
  parseExecPolicy,
} from '@mcp-warden/safe-exec';
import { createSafeFs, type SafeFs } from '@mcp-warden/safe-fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createClient } from 'redis';
import { ALL_SCOPES, DEMO_POLICIES, registerDemoSurface } from './demo-tools.js';
import { LazyJsonSchemaValidator } from './lazy-json-schema-validator.js';
import { buildGuards } from './pipeline.js';
import { redisReplayCache } from './redis-replay-cache.js';
import type { Settings } from './settings.js';

/** Everything the transports share: built once at start, from validated settings. */
export interface Assembly {
  readonly events: EventSink;
  readonly audit: AuditSink;
  readonly fs: SafeFs;
  readonly store: RateLimitStore;
  /** Where DPoP proof ids are remembered: Redis when configured (shared by instances), else memory. */
  readonly replayCache: ReplayCache;
  readonly sessions: ReturnType<typeof sessionOwnership>;
  /** A fresh secured `McpServer` with the demo surface. */
  newMcpServer(transport: 'stdio' | 'http'): McpServer;
  /** Warnings for the banner: every weakened default. */
  readonly warnings: string[];
  close(reason?: string): Promise<void>;
}

/** The default command policy when no `MCP_EXEC_POLICY_FILE` is given: read-only tools in the first root. */
function defaultExecPolicy(cwd: string): ExecPolicy {
  return {
    cwd,
    commands: { git: gitPolicy(), ls: lsPolicy(), cat: catPolicy(), grep: grepPolicy(), find: findPolicy() },
  };
}

export async function assemble(settings: Settings, extraWarnings: readonly string[] = []): Promise<Assembly> {
  const warnings = [...extraWarnings];
  const hmacKey =
    settings.auditHmacKeyFile === undefined ? undefined : readFileSync(settings.auditHmacKeyFile);
  const audit = createAuditSink({ file: settings.auditLog, ...(hmacKey === undefined ? {} : { hmacKey }) });
  const events = audit;
  if (settings.fsRoots.length === 0) {
    throw new ConfigError('ERR_CONFIG_INVALID', 'MCP_FS_ROOTS must name at least one root directory');
  }
  const fs = await createSafeFs({ roots: [...settings.fsRoots], events });
  const policy: ExecPolicy =
    settings.execPolicyFile === undefined
      ? defaultExecPolicy(settings.fsRoots[0]!)
      : parseExecPolicy(JSON.parse(readFileSync(settings.execPolicyFile, 'utf8')) as unknown);
  const exec = createExecutor(policy, { events, pathCheck: (path) => fs.resolve(path) });
  warnings.push(...exec.warnings);

  let redis: ReturnType<typeof createClient> | undefined;
  let store: RateLimitStore;
  const redisUrl = settings.redisUrl?.reveal();
  if (redisUrl !== undefined) {
    redis = createClient({
      url: redisUrl,
      // No offline queue: during an outage a command fails at once (the store fails closed) instead of
      // spending units after reconnecting.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2_000,
        reconnectStrategy: (retries: number) => Math.min(retries * 100, 2_000),
      },
    });
    redis.on('error', () => {
      // Failures surface through the store's fail-closed policy and its events.
    });
    await redis.connect();
    store = new RedisStore({ scripts: nodeRedisScripts(redis), events });
  } else {
    store = new MemoryStore();
  }
  const replayCache = redis === undefined ? memoryReplayCache() : redisReplayCache(redis);
  const sessions = sessionOwnership();
  const guards = buildGuards({ store, callsPerMinute: settings.rateLimit, sessions });

  return {
    events,
    audit,
    fs,
    store,
    replayCache,
    sessions,
    warnings,
    newMcpServer(transport) {
      const server = new McpServer(
        { name: 'mcp-warden-secure-server', version: '0.1.0' },
        { jsonSchemaValidator: new LazyJsonSchemaValidator() },
      );
      secureMcpServer(server, { guards, events, policies: DEMO_POLICIES, transport });
      registerDemoSurface(server, { fs, exec });
      return server;
    },
    async close(reason = 'shutdown') {
      await redis?.quit().catch(() => undefined);
      await audit.close(reason);
    },
  };
}

/** The JWT key source the settings name (exactly one, checked by the config rules). */
function keySource(settings: Settings): KeySource {
  const algorithms = effectiveJwtAlgorithms(settings);
  const secret = settings.jwtSecret?.reveal();
  if (secret !== undefined)
    return { type: 'hmac', secrets: [{ secret }], algorithms: algorithms as HmacAlgorithm[] };
  if (settings.jwtKeysFromIssuer) {
    return { type: 'issuer-metadata', algorithms: algorithms as AsymmetricAlgorithm[] };
  }
  if (settings.jwtJwksUrl !== undefined) {
    return { type: 'jwks-uri', url: settings.jwtJwksUrl, algorithms: algorithms as AsymmetricAlgorithm[] };
  }
  return { type: 'jwks', file: settings.jwtJwksFile!, algorithms: algorithms as AsymmetricAlgorithm[] };
}

/** The OAuth resource server for HTTP, or undefined for `authMode: none` (loopback + insecure flag only). */
export function buildResourceServer(
  settings: Settings,
  resource: string,
  events: EventSink,
  replayCache: ReplayCache = memoryReplayCache(),
): ResourceServer | undefined {
  if (settings.authMode === 'none') return undefined;
  const pepper = settings.wardenApiKeyPepper?.reveal();
  const apiKeys =
    settings.authMode === 'apikey'
      ? createApiKeyVerifier({
          store: memoryApiKeyStore(JSON.parse(readFileSync(settings.apiKeysFile!, 'utf8')) as ApiKeyRecord[]),
          ...(pepper === undefined ? {} : { pepper }),
        })
      : undefined;
  const issuer = settings.jwtIssuer ?? resource;
  return createResourceServer({
    ...(settings.authMode === 'jwt'
      ? {
          verifier: {
            issuer,
            resource: settings.jwtAudience ?? resource,
            keys: [keySource(settings)],
            events,
          },
        }
      : { resource }),
    authorizationServers: [...(settings.authorizationServers ?? [issuer])],
    scopesSupported: ALL_SCOPES,
    toolScopes: Object.fromEntries(
      Object.entries(DEMO_POLICIES.tools ?? {}).map(([name, policy]) => [name, [...(policy.scopes ?? [])]]),
    ),
    ...(apiKeys === undefined ? {} : { apiKeys }),
    dpop: createDpopVerifier({ replayCache }),
    events,
  });
}

/** TLS material, when enabled. */
export function buildTls(settings: Settings): TlsServerConfig | undefined {
  if (!settings.sslEnabled) return undefined;
  return createTlsServerOptions({
    certFile: settings.tlsCertFile!,
    keyFile: settings.tlsKeyFile!,
    ...(settings.tlsClientCaFile === undefined ? {} : { caFile: settings.tlsClientCaFile }),
    clientCertificates: settings.tlsClientAuth,
  });
}

/** The HTTP per-address limiter (429 before the SDK). */
export function buildHttpRateLimiter(settings: Settings, store: RateLimitStore, events: EventSink) {
  return httpRateLimit({
    store,
    rule: { limit: Math.max(settings.rateLimit * 3, 60), periodMs: 60_000 },
    trustedProxies: [...settings.trustedProxies],
    events,
  });
}

/**
 * Who loopback HTTP clients act as with `authMode: none` (allowed only with `insecureAllowNoAuth` on a
 * loopback bind, and announced in the banner): every demo scope, since nothing authenticates them.
 */
export function anonymousLoopbackPrincipal(): WardenAuthInfo {
  return {
    token: '',
    clientId: 'anonymous',
    scopes: [...ALL_SCOPES],
    extra: { subject: 'anonymous-loopback', authMethod: 'none' },
  };
}

/** The principal a stdio session acts as: from `MCP_STDIO_TOKEN` in jwt/apikey mode, else the local user. */
export async function stdioAuthInfo(
  settings: Settings,
  resourceServer: ResourceServer | undefined,
): Promise<WardenAuthInfo> {
  if (resourceServer === undefined) {
    return {
      token: '',
      clientId: 'stdio',
      scopes: [...ALL_SCOPES],
      extra: { subject: `local:${userInfo().username}`, authMethod: 'environment' },
    };
  }
  const token = settings.stdioToken?.reveal();
  if (token === undefined) {
    throw new ConfigError(
      'ERR_CONFIG_INVALID',
      'MCP_STDIO_TOKEN is required for stdio with auth mode jwt or apikey',
    );
  }
  return resourceServer.verifyToken(token);
}
