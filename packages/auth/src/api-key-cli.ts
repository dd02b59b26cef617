import { parseArgs } from 'node:util';
import { isWardenError } from '@mcp-warden/core';
import { apiKeyPattern } from './api-key-format.js';
import { mintApiKey } from './api-keys.js';

const USAGE = `Usage: mcp-warden-api-key --subject <id> [--scope <s>]... [--prefix mcp_live] [--ttl-days N] [--label text]

Mints an API key. The key is printed once; store only the record (it holds the SHA-256 hash).
Set MCP_WARDEN_API_KEY_PEPPER to hash with a server-side pepper (HMAC-SHA-256).`;

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export function runApiKeyCli(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  let values: ReturnType<typeof parse>['values'];
  function parse(args: readonly string[]) {
    return parseArgs({
      args: [...args],
      options: {
        subject: { type: 'string' },
        scope: { type: 'string', multiple: true },
        prefix: { type: 'string' },
        'ttl-days': { type: 'string' },
        label: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    });
  }
  try {
    values = parse(argv).values;
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help === true || values.subject === undefined) {
    (values.help === true ? out : err)(USAGE);
    return values.help === true ? 0 : 2;
  }
  const ttlDays = values['ttl-days'] === undefined ? undefined : Number(values['ttl-days']);
  if (ttlDays !== undefined && !(Number.isFinite(ttlDays) && ttlDays > 0)) {
    err('--ttl-days must be a positive number');
    return 2;
  }
  const pepper = process.env.MCP_WARDEN_API_KEY_PEPPER;
  try {
    const prefix = values.prefix ?? 'mcp_live';
    const { key, record } = mintApiKey({
      subject: values.subject,
      scopes: values.scope ?? [],
      prefix,
      ...(ttlDays === undefined ? {} : { ttlSec: Math.round(ttlDays * 86_400) }),
      ...(values.label === undefined ? {} : { label: values.label }),
      ...(pepper === undefined || pepper === '' ? {} : { pepper }),
    });
    out(`key: ${key}`);
    out(`record: ${JSON.stringify(record)}`);
    out(`scanner pattern: ${apiKeyPattern(prefix).source}`);
    return 0;
  } catch (error) {
    err(isWardenError(error) ? `${error.code}: ${error.message}` : 'failed to mint a key');
    return 1;
  }
}
