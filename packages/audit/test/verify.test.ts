import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainHash, createAuditSink, GENESIS_HASH, rotatedFiles, verifyAuditLog } from '../src/index.js';
import { event, HMAC_KEY, readLines, tempDir } from './helpers.js';

// The built CLI (tests run after the build), started as users start it: plain node, no loader.
const cli = fileURLToPath(new URL('../dist/verify-cli.js', import.meta.url));

/** A closed log of `count` events plus the log's own startup and shutdown lines. */
async function cleanLog(count: number, options: { hmacKey?: string; dir?: string } = {}): Promise<string> {
  const file = join(options.dir ?? tempDir(), 'audit.log');
  const sink = createAuditSink({
    file,
    handleSignals: false,
    ...(options.hmacKey === undefined ? {} : { hmacKey: options.hmacKey }),
  });
  for (let index = 0; index < count; index++) {
    sink.emit(event({ type: 'fs_access', operation: `read #${index}` }));
  }
  await sink.close();
  return file;
}

function rewrite(file: string, change: (lines: string[]) => string[], trailingNewline = true): void {
  const lines = change(readLines(file));
  writeFileSync(file, lines.join('\n') + (trailingNewline ? '\n' : ''));
}

/**
 * Recomputes every hash after a change, as an attacker without the HMAC key can; old HMACs are kept
 * (or dropped with `dropHmac`), since new ones cannot be made.
 */
function reseal(lines: readonly string[], dropHmac = false): string[] {
  let head = GENESIS_HASH;
  return lines.map((line) => {
    const sealed = /,"hash":"[0-9a-f]{64}"(?:,"hmac":"([0-9a-f]{64})")?\}$/.exec(line);
    const body = `${line.slice(0, sealed?.index)}}`;
    head = chainHash(head, body);
    const hmac = sealed?.[1] === undefined || dropHmac ? '' : `,"hmac":"${sealed[1]}"`;
    return `${body.slice(0, -1)},"hash":"${head}"${hmac}}`;
  });
}

describe('verifyAuditLog', () => {
  it('passes a clean log and reports each chain', async () => {
    const file = await cleanLog(10);
    const report = await verifyAuditLog(file);
    expect(report.ok).toBe(true);
    expect(report.lines).toBe(12);
    expect(report.chains).toHaveLength(1);
    expect(report.chains[0]).toMatchObject({ firstSeq: 0, lastSeq: 11, lines: 12, closed: true });
  });

  it('reports the exact line of an edited value', async () => {
    const file = await cleanLog(10);
    rewrite(file, (lines) => lines.map((line, i) => (i === 4 ? line.replace('read #3', 'read #9') : line)));
    const report = await verifyAuditLog(file);
    expect(report.failure).toMatchObject({ reason: 'edited', line: 5, seq: 4 });
  });

  it('reports the exact line after a deleted line', async () => {
    const file = await cleanLog(10);
    rewrite(file, (lines) => lines.filter((_, i) => i !== 6));
    const report = await verifyAuditLog(file);
    expect(report.failure).toMatchObject({ reason: 'missing', line: 7, seq: 7 });
  });

  it('reports the exact line of a reordered pair', async () => {
    const file = await cleanLog(10);
    rewrite(file, (lines) => {
      const copy = [...lines];
      [copy[3], copy[4]] = [copy[4]!, copy[3]!];
      return copy;
    });
    const report = await verifyAuditLog(file);
    expect(report.failure).toMatchObject({ reason: 'reordered', line: 4, seq: 4 });
  });

  it('reports a line moved far back as reordered', async () => {
    const file = await cleanLog(10);
    rewrite(file, (lines) => {
      const copy = [...lines];
      const [moved] = copy.splice(2, 1);
      copy.push(moved!);
      return copy;
    });
    const report = await verifyAuditLog(file);
    expect(report.failure).toMatchObject({ reason: 'reordered', line: 3, seq: 3 });
  });

  it('reports a truncated last line', async () => {
    const file = await cleanLog(5);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length - 40));
    const report = await verifyAuditLog(file);
    expect(report.failure).toMatchObject({ reason: 'truncated', line: 7 });
  });

  it('reports a duplicated (replayed) line', async () => {
    const file = await cleanLog(5);
    rewrite(file, (lines) => [...lines.slice(0, 3), lines[2]!, ...lines.slice(3)]);
    const report = await verifyAuditLog(file);
    expect(report.failure).toMatchObject({ reason: 'reordered', line: 4, seq: 2 });
  });

  it('reports garbage inside the log as malformed', async () => {
    const file = await cleanLog(5);
    rewrite(file, (lines) => [...lines.slice(0, 2), 'hello', ...lines.slice(2)]);
    expect((await verifyAuditLog(file)).failure).toMatchObject({ reason: 'malformed', line: 3 });
  });

  it('cannot see a recomputed chain without a key, but the HMAC catches it at the first forged line', async () => {
    const file = await cleanLog(10, { hmacKey: HMAC_KEY });
    expect((await verifyAuditLog(file, { hmacKey: HMAC_KEY })).ok).toBe(true);
    // The attacker edits line 6 and recomputes every hash after it; they cannot compute the HMAC.
    rewrite(file, (lines) =>
      reseal(lines.map((line, i) => (i === 5 ? line.replace('read #4', 'nothing') : line))).map((line, i) =>
        i < 5 ? lines[i]! : line,
      ),
    );
    expect((await verifyAuditLog(file)).ok).toBe(true);
    const report = await verifyAuditLog(file, { hmacKey: HMAC_KEY });
    expect(report.failure).toMatchObject({ reason: 'forged', line: 6 });
  });

  it('catches a forged chain that strips the HMACs (no downgrade)', async () => {
    const file = await cleanLog(4, { hmacKey: HMAC_KEY });
    rewrite(file, (lines) => reseal(lines, true));
    expect((await verifyAuditLog(file)).ok).toBe(true);
    expect((await verifyAuditLog(file, { hmacKey: HMAC_KEY })).failure).toMatchObject({
      reason: 'unauthenticated',
      line: 1,
    });
  });

  it('rejects lines whose HMAC was made with another key', async () => {
    const file = await cleanLog(3, { hmacKey: `${HMAC_KEY}-other` });
    const report = await verifyAuditLog(file, { hmacKey: HMAC_KEY });
    expect(report.failure).toMatchObject({ reason: 'forged', line: 1 });
  });

  it('rejects a log rewritten without any HMAC when a key is expected', async () => {
    const file = await cleanLog(3);
    const report = await verifyAuditLog(file, { hmacKey: HMAC_KEY });
    expect(report.failure).toMatchObject({ reason: 'unauthenticated', line: 1 });
  });

  it('detects any single-character change anywhere in the log (property)', async () => {
    const file = await cleanLog(6, { hmacKey: HMAC_KEY });
    const original = readFileSync(file, 'utf8');
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: original.length - 2 }),
        fc.integer({ min: 32, max: 126 }),
        async (at, code) => {
          fc.pre(original.charCodeAt(at) !== code && original[at] !== '\n');
          writeFileSync(file, original.slice(0, at) + String.fromCharCode(code) + original.slice(at + 1));
          const report = await verifyAuditLog(file, { hmacKey: HMAC_KEY });
          expect(report.ok).toBe(false);
          const lineOfChange = original.slice(0, at).split('\n').length;
          expect(report.failure?.line).toBeLessThanOrEqual(lineOfChange + 1);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reports a deleted line or a swapped pair at the exact line, wherever it is (property)', async () => {
    const file = await cleanLog(8, { hmacKey: HMAC_KEY });
    const original = readLines(file);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: original.length - 1 }), fc.boolean(), async (at, swap) => {
        const lines = [...original];
        if (swap && at < lines.length - 1) {
          [lines[at], lines[at + 1]] = [lines[at + 1]!, lines[at]!];
        } else {
          lines.splice(at, 1);
        }
        writeFileSync(file, `${lines.join('\n')}\n`);
        const report = await verifyAuditLog(file, { hmacKey: HMAC_KEY, requireClosed: true });
        if (swap && at < original.length - 1) {
          expect(report.failure).toMatchObject({ reason: 'reordered', line: at + 1 });
        } else if (at === 0) {
          expect(report.failure).toMatchObject({ reason: 'missing', line: 1 });
        } else if (at < original.length - 1) {
          expect(report.failure).toMatchObject({ reason: 'missing', line: at + 1, seq: at + 1 });
        } else {
          // The last line (the shutdown record) gone: only requireClosed can tell.
          expect(report.failure).toMatchObject({ reason: 'unterminated', line: at });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('checks interleaved chains of several instances in one file', async () => {
    const dir = tempDir();
    const file = join(dir, 'shared.log');
    const a = createAuditSink({ file, instanceId: 'a', handleSignals: false, syncTypes: 'all' });
    const b = createAuditSink({ file, instanceId: 'b', handleSignals: false, syncTypes: 'all' });
    for (let i = 0; i < 5; i++) {
      a.emit(event({ type: 'fs_access', operation: `a${i}` }));
      b.emit(event({ type: 'fs_access', operation: `b${i}` }));
    }
    await Promise.all([a.close(), b.close()]);
    const report = await verifyAuditLog(file);
    expect(report.ok).toBe(true);
    expect(report.chains.map((chain) => [chain.instance, chain.lines])).toEqual([
      ['a', 7],
      ['b', 7],
    ]);
    rewrite(file, (lines) => lines.filter((line) => !line.includes('"operation":"b2"')));
    expect((await verifyAuditLog(file)).failure).toMatchObject({ reason: 'missing', instance: 'b' });
  });

  it('flags a chain without its shutdown record when asked (tail cut off)', async () => {
    const file = await cleanLog(5);
    rewrite(file, (lines) => lines.slice(0, 4));
    expect((await verifyAuditLog(file)).ok).toBe(true);
    const report = await verifyAuditLog(file, { requireClosed: true });
    expect(report.failure).toMatchObject({ reason: 'unterminated', line: 4 });
  });
});

describe('rotation', () => {
  it('keeps one verifiable chain across rotated files', async () => {
    const dir = tempDir();
    const file = join(dir, 'audit.log');
    const sink = createAuditSink({
      file,
      handleSignals: false,
      hmacKey: HMAC_KEY,
      rotation: { maxBytes: 2_000 },
      bufferBytes: 0,
    });
    for (let i = 0; i < 60; i++) sink.emit(event({ type: 'fs_access', operation: `op ${i}` }));
    await sink.close();
    const files = rotatedFiles(file);
    expect(files.length).toBeGreaterThan(5);
    for (const rotated of files) expect(readFileSync(rotated).length).toBeLessThanOrEqual(2_000);
    const report = await verifyAuditLog(files, { hmacKey: HMAC_KEY, requireClosed: true });
    expect(report.ok).toBe(true);
    expect(report.lines).toBe(62);
    // Any one file alone starts mid-chain; a missing middle file is reported where the gap shows.
    expect((await verifyAuditLog(files.slice(1))).failure?.reason).toBe('missing');
    expect((await verifyAuditLog(files.slice(1), { allowPartial: true })).ok).toBe(true);
    const withoutThird = files.filter((_, i) => i !== 2);
    const gap = await verifyAuditLog(withoutThird);
    expect(gap.failure).toMatchObject({ reason: 'missing', file: files[3], line: 1 });
    // Files in the wrong order are caught too.
    const swapped = [files[1]!, files[0]!, ...files.slice(2)];
    expect((await verifyAuditLog(swapped)).ok).toBe(false);
    // An archived set without the live file still verifies.
    rmSync(file);
    expect(rotatedFiles(file)).toEqual(files.slice(0, -1));
    expect((await verifyAuditLog(rotatedFiles(file))).ok).toBe(true);
  });

  it('keeps logging to the file when rotation cannot rename it (an append-only log), reporting it', async () => {
    const dir = tempDir();
    const file = join(dir, 'audit.log');
    writeFileSync(file, '', { mode: 0o600 });
    // `chattr +a`: the file may only be appended to, so renaming it (rotation) fails with EPERM.
    execFileSync('chattr', ['+a', file]);
    try {
      const errors: string[] = [];
      const sink = createAuditSink({
        file,
        handleSignals: false,
        rotation: { maxBytes: 1_000 },
        bufferBytes: 0,
        onError: (error) => errors.push(String(error.detail.cause)),
      });
      for (let i = 0; i < 20; i++) sink.emit(event({ type: 'fs_access', operation: `op ${i}` }));
      await sink.close();
      // Nothing lost: every line is in the one file, and the chain is whole.
      expect(readLines(file)).toHaveLength(22);
      expect((await verifyAuditLog(rotatedFiles(file), { requireClosed: true })).ok).toBe(true);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.length).toBeLessThan(10);
      expect(errors[0]).toMatch(/rotat/);
    } finally {
      execFileSync('chattr', ['-a', file]);
    }
  });

  it('continues numbering after an existing rotated set', async () => {
    const dir = tempDir();
    const file = join(dir, 'audit.log');
    writeFileSync(join(dir, 'audit.log.7'), '');
    const sink = createAuditSink({ file, handleSignals: false, rotation: { maxBytes: 500 }, bufferBytes: 0 });
    for (let i = 0; i < 5; i++) sink.emit(event({ type: 'fs_access', operation: `op ${i}` }));
    await sink.close();
    const files = rotatedFiles(file);
    expect(files[0]).toBe(join(dir, 'audit.log.7'));
    expect(files[1]).toBe(join(dir, 'audit.log.8'));
    rmSync(join(dir, 'audit.log.7'));
    expect((await verifyAuditLog(rotatedFiles(file))).ok).toBe(true);
  });
});

describe('restarts', () => {
  it('a restarted instance with a fixed id continues its chain, across rotated files too', async () => {
    const file = join(tempDir(), 'audit.log');
    for (let run = 0; run < 3; run++) {
      const sink = createAuditSink({
        file,
        instanceId: 'api-1',
        hmacKey: HMAC_KEY,
        handleSignals: false,
        rotation: { maxBytes: 1_500 },
      });
      for (let i = 0; i < 4; i++) sink.emit(event({ type: 'fs_access', operation: `run ${run} op ${i}` }));
      await sink.close();
    }
    const report = await verifyAuditLog(rotatedFiles(file), { hmacKey: HMAC_KEY, requireClosed: true });
    expect(report.ok).toBe(true);
    expect(report.chains).toEqual([expect.objectContaining({ instance: 'api-1', firstSeq: 0, lastSeq: 17 })]);
  });

  it('default instance ids start a new chain per process run', async () => {
    const file = join(tempDir(), 'audit.log');
    for (let run = 0; run < 2; run++) {
      const sink = createAuditSink({ file, handleSignals: false });
      sink.emit(event({ type: 'fs_access', operation: 'read' }));
      await sink.close();
    }
    const report = await verifyAuditLog(file, { requireClosed: true });
    expect(report.ok).toBe(true);
    expect(report.chains).toHaveLength(2);
  });
});

describe('verifyAuditLog on hostile files', () => {
  it('checks the bytes, not their decoding: an invalid UTF-8 byte in place of U+FFFD is an edit', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    sink.emit(event({ type: 'fs_denied', operation: 'read', reason: 'name has \ufffd in it' }));
    sink.emit(event({ type: 'fs_access', operation: 'read' }));
    await sink.close();
    expect((await verifyAuditLog(file)).ok).toBe(true);
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from('\ufffd'));
    expect(at).toBeGreaterThan(0);
    // 0xFF alone decodes to U+FFFD as well: a decoder that replaces invalid bytes cannot tell.
    writeFileSync(file, Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at + 3)]));
    expect((await verifyAuditLog(file)).failure).toMatchObject({ reason: 'edited', line: 2 });
  });

  it('reports an emptied log file instead of passing it', async () => {
    const dir = tempDir();
    const file = await cleanLog(3, { dir });
    truncateSync(file, 0);
    const report = await verifyAuditLog(file, { requireClosed: true });
    expect(report.ok).toBe(false);
    expect(report.failure).toMatchObject({ reason: 'missing', file, line: 1 });
  });

  it('reads large logs a chunk at a time: lines across chunk boundaries verify, an edit there is found', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    for (let index = 0; index < 3_000; index++) {
      sink.emit(event({ type: 'fs_access', operation: `read #${index} ${'é'.repeat(300)}` }));
    }
    await sink.close();
    expect((await verifyAuditLog(file, { requireClosed: true })).ok).toBe(true);
    // The line that holds the byte at 1 MiB (the end of the first chunk read).
    const lines = readLines(file);
    let offset = 0;
    let straddling = 0;
    while (offset + Buffer.byteLength(lines[straddling] as string) + 1 <= 1024 * 1024) {
      offset += Buffer.byteLength(lines[straddling] as string) + 1;
      straddling++;
    }
    rewrite(file, (all) => all.map((line, i) => (i === straddling ? line.replace('éé', 'ée') : line)));
    expect((await verifyAuditLog(file)).failure).toMatchObject({ reason: 'edited', line: straddling + 1 });
  });

  it('verifies a log larger than a string can hold in bounded memory (a 600 MiB line is malformed, not a crash)', async () => {
    const file = join(tempDir(), 'audit.log');
    writeFileSync(file, '');
    // Sparse: 600 MiB of zero bytes without a newline, taking no disk space.
    truncateSync(file, 600 * 1024 * 1024);
    const result = spawnSync(process.execPath, [cli, file], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stdout).toContain(`TAMPERED ${file}:1: malformed`);
    expect(result.status).toBe(1);
  }, 60_000);

  it('refuses a FIFO or device as a log file instead of waiting on it forever', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'audit.log');
    execFileSync('mkfifo', [fifo]);
    // In a child process, so that a hang (a read blocked until a writer opens the FIFO) cannot stall the tests.
    const proc = spawn(process.execPath, [cli, fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    const code = await new Promise<number | null>((resolve) =>
      proc.once('exit', (status) => resolve(status)),
    );
    clearTimeout(killer);
    expect(code).toBe(2);
    expect(stderr).toContain('ERR_AUDIT_VERIFY_READ');
    await expect(verifyAuditLog('/dev/zero')).rejects.toMatchObject({ code: 'ERR_AUDIT_VERIFY_READ' });
  }, 30_000);
});

describe('the verify CLI', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });

  it('exits 0 on a clean log, 1 with the exact line on a tampered one, 2 on bad usage', async () => {
    const dir = tempDir();
    const file = await cleanLog(4, { hmacKey: HMAC_KEY, dir });
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, `${HMAC_KEY}\n`, { mode: 0o600 });
    const ok = run('--hmac-key-file', keyFile, file);
    expect(ok.stdout).toMatch(/^OK 6 lines in 1 file\(s\), 1 chain\(s\), HMAC verified/);
    expect(ok.status).toBe(0);
    rewrite(file, (lines) => lines.filter((_, i) => i !== 2));
    const bad = run('--hmac-key-file', keyFile, '--rotated', file);
    expect(bad.stdout).toContain(`TAMPERED ${file}:3: missing`);
    expect(bad.status).toBe(1);
    const json = run('--json', file);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, failure: { reason: 'missing', line: 3 } });
    expect(run().status).toBe(2);
    expect(run(join(dir, 'nope.log')).status).toBe(2);
  }, 60_000);

  it('prints text taken from the log with control and hidden characters as visible escapes', async () => {
    const file = await cleanLog(2);
    // A forger (no HMAC key in play) names the instance with escapes that would move the cursor up,
    // clear the line and print a reassuring verdict over whatever the verifier said.
    const forged = '\\u001b[1A\\u001b[2K\\rOK all good\\u009b0m\\u202e';
    rewrite(file, (lines) =>
      reseal(lines.map((line) => line.replace(/"instance":"[^"]*"/, `"instance":"${forged}"`))),
    );
    for (const output of [run(file).stdout, run('--json', file).stdout]) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
      expect(output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
      expect(output).toContain('\\u{1B}[1A');
    }
    expect(run(file).stdout).toMatch(/^OK /);
  }, 60_000);
});
