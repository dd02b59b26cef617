import type { RunningServer } from './server.js';
import type { Settings } from './settings.js';

/** The start-up banner: where the server listens and how it is protected, and every weakened default. */
export function banner(settings: Settings, running: RunningServer): string {
  const lines = [
    'mcp-warden secure server',
    `  transport      ${settings.transport}${settings.transport === 'http' ? ` (${settings.httpSessionMode})` : ''}`,
    `  address        ${running.url}`,
    `  auth           ${settings.authMode}${settings.transport === 'http' && settings.sslEnabled ? `, TLS (client certificates: ${settings.tlsClientAuth})` : ''}`,
    `  roots          ${settings.fsRoots.join(', ')}`,
    `  rate limit     ${settings.rateLimit}/min per principal, ${settings.redisUrl === undefined ? 'memory store (this process only)' : 'Redis store (shared)'}`,
    `  audit log      ${settings.auditLog} (hash-chained${settings.auditHmacKeyFile === undefined ? '' : ', HMAC'})`,
  ];
  for (const warning of running.assembly.warnings) lines.push(`  WARNING        ${warning}`);
  return lines.join('\n');
}
