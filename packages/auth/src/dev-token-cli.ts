import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isWardenError } from '@mcp-warden/core';
import { mintDevToken } from './dev-token.js';

const USAGE = `DEV ONLY — do not use for production tokens.
Usage: mcp-warden-mint-token --issuer <url> --audience <resource> --sub <subject> [--scope <s>]...
       [--ttl <seconds, max 86400>] [--key-file dev-key.json] [--alg ES256|EdDSA|RS256] [--jwks-out jwks.json]

Prints an at+jwt access token on stdout. With --key-file the private key is kept (created 0600 when
missing); --jwks-out writes the public JWKS your server's "jwks" key source reads.`;

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      issuer: { type: 'string' },
      audience: { type: 'string' },
      sub: { type: 'string' },
      scope: { type: 'string', multiple: true },
      ttl: { type: 'string' },
      'key-file': { type: 'string' },
      alg: { type: 'string' },
      'jwks-out': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
}

/** Runs the dev token CLI; returns the exit code. */
export async function runDevTokenCli(
  argv: readonly string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    out(USAGE);
    return 0;
  }
  if (values.issuer === undefined || values.audience === undefined || values.sub === undefined) {
    err(USAGE);
    return 2;
  }
  const alg = values.alg ?? 'ES256';
  if (alg !== 'ES256' && alg !== 'EdDSA' && alg !== 'RS256') {
    err('--alg must be ES256, EdDSA or RS256');
    return 2;
  }
  err('mcp-warden-mint-token: DEV ONLY — tokens signed by a local key.');
  try {
    const minted = await mintDevToken({
      issuer: values.issuer,
      audience: values.audience,
      subject: values.sub,
      scopes: values.scope ?? [],
      alg,
      ...(values.ttl === undefined ? {} : { ttlSec: Number(values.ttl) }),
      ...(values['key-file'] === undefined ? {} : { keyFile: values['key-file'] }),
    });
    if (values['jwks-out'] !== undefined) {
      writeFileSync(values['jwks-out'], `${JSON.stringify(minted.jwks, null, 2)}\n`);
    }
    if (minted.createdKeyFile) err(`created ${values['key-file']} (private key, keep it out of git)`);
    out(minted.token);
    return 0;
  } catch (error) {
    err(isWardenError(error) ? `${error.code}: ${error.message}` : `failed: ${(error as Error).message}`);
    return 1;
  }
}
