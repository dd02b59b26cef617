import {
  commaList,
  type DeepReadonly,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  mcpServerSchema,
  mcpServerWarnings,
  secret,
} from '@mcp-warden/config';
import { z } from 'zod';

/**
 * The reference server's settings: the ready MCP server schema of `@mcp-warden/config` plus the few
 * the server itself needs. Environment names follow `MCP_<SNAKE_CASE>`.
 */
export const settingsSchema = mcpServerSchema.safeExtend({
  /** `stateful`: sessions bound to the principal that created them. `stateless`: a fresh transport per request (horizontal scaling). */
  httpSessionMode: z.enum(['stateful', 'stateless']).default('stateful'),
  /** The URL clients use to reach `/mcp` (behind a proxy); default from host, port and TLS. The JWT audience defaults to it. */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** RFC 9728 `authorization_servers`; default: the JWT issuer. */
  authorizationServers: commaList(z.url({ protocol: /^https?$/ })).optional(),
  /** Credential for the stdio transport in jwt/apikey mode (the MCP spec: stdio takes credentials from the environment). */
  stdioToken: secret(z.string().min(1).max(8192)).optional(),
  /** Largest request body, bytes (413 past it). */
  maxBodyBytes: z
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  /** Grace period for in-flight calls on shutdown, ms. */
  shutdownGraceMs: z.int().min(0).max(600_000).default(10_000),
  /** Proxies whose `X-Forwarded-For` is believed (addresses or CIDRs); none by default. */
  trustedProxies: commaList(z.string().min(1).max(64)).default([]),
  /** Time a client has to send all request headers, ms (slow-header clients are cut). */
  headersTimeoutMs: z.int().min(500).max(120_000).default(10_000),
  /** Time a client has to send a whole request, ms. */
  requestTimeoutMs: z.int().min(1_000).max(600_000).default(30_000),
  /** Sessions kept at once (stateful mode). */
  maxSessions: z.int().min(1).max(1_000_000).default(1_000),
  /** Sessions one principal may hold at once (429 past it), so one principal cannot take every place. */
  maxSessionsPerPrincipal: z.int().min(1).max(1_000_000).default(100),
  /** A session with no request or open stream for this long is closed (clients often leave without DELETE), ms. */
  sessionIdleTimeoutMs: z.int().min(1_000).max(86_400_000).default(1_800_000),
});

export type Settings = DeepReadonly<z.output<typeof settingsSchema>>;

/** Loads the settings from `MCP_*` variables, `MCP_CONFIG_FILE` and overrides; throws with every problem. */
export function loadSettings(
  options: LoadConfigOptions<z.output<typeof settingsSchema>> = {},
): LoadedConfig<z.output<typeof settingsSchema>> {
  return loadConfig(settingsSchema, {
    ...options,
    warnings: (config) => [...mcpServerWarnings(config), ...(options.warnings?.(config) ?? [])],
  });
}

/** The URL of the MCP endpoint as clients see it. */
export function endpointUrl(settings: Settings, port: number): string {
  if (settings.publicUrl !== undefined) return settings.publicUrl;
  const host = settings.serverHost.includes(':') ? `[${settings.serverHost}]` : settings.serverHost;
  return `${settings.sslEnabled ? 'https' : 'http'}://${host}:${port}/mcp`;
}
