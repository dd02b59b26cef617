import {
  loadConfigOrExit,
  MCP_SERVER_RELOADABLE_KEYS,
  mcpServerSchema,
  mcpServerWarnings,
  printConfig,
  secret,
  watchConfig,
} from '@mcp-warden/config';
import { z } from 'zod';

// The ready MCP server settings (MCP_TRANSPORT, MCP_SERVER_PORT, MCP_JWT_SECRET_FILE, …) plus our own.
const schema = mcpServerSchema.safeExtend({
  greeting: z.string().min(1).max(100).default('Hello'), // MCP_GREETING or --greeting
  webhookToken: secret(z.string().min(20)).optional(), // MCP_WEBHOOK_TOKEN or MCP_WEBHOOK_TOKEN_FILE
});

// Invalid? Every problem goes to stderr with its source, and the process exits 78: never half-configured.
const loaded = loadConfigOrExit(schema, { argv: process.argv.slice(2), warnings: mcpServerWarnings });
const { config } = loaded;

// The effective config with the source of each value; secrets print as [REDACTED], here and everywhere.
console.error(printConfig(loaded));
console.error(
  `${config.greeting} on ${config.serverHost}:${config.serverPort}, token ${config.webhookToken}`,
);

// Read a secret only where it is used.
const authorization = config.webhookToken && `Bearer ${config.webhookToken.reveal()}`;
console.error(`authorization header ready: ${authorization !== undefined}`);

// On SIGHUP: re-read and validate everything; apply only if valid and only safe keys changed.
if (config.transport === 'http') {
  watchConfig(schema, {
    initial: loaded,
    warnings: mcpServerWarnings,
    reloadable: MCP_SERVER_RELOADABLE_KEYS,
    onReload: (next, changed) =>
      console.error(`reloaded ${changed.join(', ')}; rate limit ${next.rateLimit}`),
    onReject: (error) => console.error(`reload refused, old config kept: ${JSON.stringify(error)}`),
  });
}
