#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isWardenError, visibleText } from '@mcp-warden/core';
import { rotatedFiles } from './rotation.js';
import { verifyAuditLog } from './verify.js';

const USAGE = `usage: mcp-warden-audit-verify [options] <file>...

Checks the hash chain of mcp-warden audit log files, given in chain order (oldest first).

  --rotated             treat each <file> as a live log and check its rotated files
                        (<file>.1, <file>.2, …) first
  --hmac-key-file PATH  the HMAC key the log was written with (read from a file)
  --hmac-key-env NAME   the HMAC key, read from environment variable NAME
  --allow-partial       accept chains that start mid-way (older files deleted)
  --require-closed      fail when a chain does not end with a clean shutdown record
  --json                print the report as JSON

exit status: 0 intact, 1 tampered/broken, 2 usage or read error`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      allowPositionals: true,
      options: {
        rotated: { type: 'boolean', default: false },
        'hmac-key-file': { type: 'string' },
        'hmac-key-env': { type: 'string' },
        'allow-partial': { type: 'boolean', default: false },
        'require-closed': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) fail('no log file given');
  let hmacKey: string | Buffer | undefined;
  if (values['hmac-key-file'] !== undefined) {
    hmacKey = readFileSync(values['hmac-key-file']);
    // A trailing newline from `echo key > file` is not part of the key.
    if (hmacKey.at(-1) === 0x0a) hmacKey = hmacKey.subarray(0, hmacKey.at(-2) === 0x0d ? -2 : -1);
  } else if (values['hmac-key-env'] !== undefined) {
    hmacKey = process.env[values['hmac-key-env']];
    if (hmacKey === undefined) fail(`environment variable ${values['hmac-key-env']} is not set`);
  }
  const files = values.rotated ? positionals.flatMap((file) => rotatedFiles(file)) : positionals;
  const report = await verifyAuditLog(files, {
    ...(hmacKey === undefined ? {} : { hmacKey }),
    allowPartial: values['allow-partial'],
    requireClosed: values['require-closed'],
  });
  // The report quotes text from the log (instance names), which whoever tampered with it chose: every
  // control or hidden character is printed as a visible escape, so it cannot rewrite the terminal
  // (say, turn a TAMPERED line into an OK one).
  const print = (line: string): void => {
    process.stdout.write(`${visibleText(line)}\n`);
  };
  if (values.json) {
    const visible = (_key: string, value: unknown) =>
      typeof value === 'string' ? visibleText(value) : value;
    process.stdout.write(`${JSON.stringify(report, visible, 2)}\n`);
  } else if (report.failure !== undefined) {
    const { failure } = report;
    print(`TAMPERED ${failure.file}:${failure.line}: ${failure.reason}: ${failure.message}`);
  } else {
    print(
      `OK ${report.lines} lines in ${report.files.length} file(s), ${report.chains.length} chain(s)${hmacKey === undefined ? '' : ', HMAC verified'}`,
    );
    for (const chain of report.chains) {
      print(
        `  ${chain.instance}: seq ${chain.firstSeq}-${chain.lastSeq}, head ${chain.head}${chain.closed ? ', closed' : ', not closed (crash, still running, or tail cut off)'}`,
      );
    }
  }
  return report.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = isWardenError(error)
      ? `${error.code}: ${error.message} ${JSON.stringify(error.detail)}`
      : String(error);
    process.stderr.write(`${visibleText(message)}\n`);
    process.exitCode = 2;
  },
);
