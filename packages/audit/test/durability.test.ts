import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAuditSink, verifyAuditLog } from '../src/index.js';
import { event, readLines, readRecords, tempDir } from './helpers.js';

const child = fileURLToPath(new URL('./fixtures/signal-child.mjs', import.meta.url));

function start(args: readonly string[], nodeArgs: readonly string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}

const linesOf = (file: string): string[] => (existsSync(file) ? readLines(file) : []);

describe('durability', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`loses nothing when the process receives ${signal} with events still buffered`, async () => {
      const file = join(tempDir(), 'audit.log');
      const proc = start([file, `self-${signal}`, '2000']);
      const result = await exited(proc);
      // Re-raised: the process still ends "killed by the signal", as it would without the log.
      expect(result.signal).toBe(signal);
      const records = readRecords(file);
      expect(records).toHaveLength(2000 + 2);
      expect(records.at(-1)).toMatchObject({ type: 'sys_shutdown', reason: signal });
      expect((await verifyAuditLog(file, { requireClosed: true })).ok).toBe(true);
    }, 30_000);
  }

  it('control: without the signal handler the same buffered events are lost', async () => {
    const file = join(tempDir(), 'audit.log');
    const result = await exited(start([file, 'no-handlers', '2000']));
    expect(result.signal).toBe('SIGTERM');
    expect(linesOf(file).length).toBeLessThan(2000);
  }, 30_000);

  it('lets an application that handles SIGTERM itself keep logging until it exits', async () => {
    const file = join(tempDir(), 'audit.log');
    const result = await exited(start([file, 'app-handler', '1000']));
    expect(result.code).toBe(0);
    const records = readRecords(file);
    expect(records).toHaveLength(1000 + 1 + 2);
    expect(records.at(-2)).toMatchObject({ type: 'fs_access', operation: 'read #-1' });
    expect(records.at(-1)).toMatchObject({ type: 'sys_shutdown', reason: 'exit' });
    expect((await verifyAuditLog(file, { requireClosed: true })).ok).toBe(true);
  }, 30_000);

  it('loses nothing on process.exit()', async () => {
    const file = join(tempDir(), 'audit.log');
    const result = await exited(start([file, 'exit', '1500']));
    expect(result.code).toBe(0);
    expect(readLines(file)).toHaveLength(1500 + 2);
    expect((await verifyAuditLog(file, { requireClosed: true })).ok).toBe(true);
  }, 30_000);

  it('loses nothing when another process sends SIGTERM while it is logging (count lines)', async () => {
    const dir = tempDir();
    const file = join(dir, 'audit.log');
    const countFile = join(dir, 'count');
    const proc = start([file, 'external', '0', countFile]);
    await new Promise<void>((resolve, reject) => {
      proc.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      proc.once('exit', () => reject(new Error('child exited early')));
    });
    // Let it log a while longer, then stop it from outside.
    await new Promise((resolve) => setTimeout(resolve, 300));
    proc.kill('SIGTERM');
    const result = await exited(proc);
    expect(result.signal).toBe('SIGTERM');
    const emitted = Number(readFileSync(countFile, 'utf8'));
    expect(emitted).toBeGreaterThanOrEqual(50);
    expect(readLines(file)).toHaveLength(emitted + 2);
    expect((await verifyAuditLog(file, { requireClosed: true })).ok).toBe(true);
  }, 30_000);

  it('writes to stdout and loses nothing there on exit either', async () => {
    const dir = tempDir();
    const proc = start(['-', 'stdout', '1000']);
    let out = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const result = await exited(proc);
    expect(result.code).toBe(0);
    const copy = join(dir, 'stdout.log');
    writeFileSync(copy, out);
    expect(readLines(copy)).toHaveLength(1000 + 2);
    expect((await verifyAuditLog(copy, { requireClosed: true })).chains).toEqual([
      expect.objectContaining({ instance: 'stdout-child', lines: 1002, closed: true }),
    ]);
  }, 30_000);

  it('writes authn/authz failures before emit returns, so even SIGKILL keeps them', async () => {
    const file = join(tempDir(), 'audit.log');
    const result = await exited(start([file, 'sigkill-after-authz', '0']));
    expect(result.signal).toBe('SIGKILL');
    const types = readRecords(file).map((record) => record.type);
    // The buffered fs_access before the authz failure went out with it; the one after was lost.
    expect(types).toEqual(['sys_startup', 'fs_access', 'authz_fail']);
    expect((await verifyAuditLog(file)).ok).toBe(true);
  }, 30_000);

  it('keeps memory flat and still stops on SIGTERM when the disk is full (ENOSPC)', async () => {
    // /dev/full fails every write with ENOSPC, as a full disk does.
    const proc = start(['/dev/full', 'disk-full', '20000'], ['--expose-gc']);
    let out = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const killer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    const result = await exited(proc);
    clearTimeout(killer);
    // Not hung in a retry loop on shutdown: the signal ends it as it would without the log.
    expect(result.signal).toBe('SIGTERM');
    const report = JSON.parse(out.trim()) as { retained: number; writeErrors: number };
    expect(report.writeErrors).toBeGreaterThanOrEqual(20_000);
    expect(report.writeErrors).toBeLessThanOrEqual(20_001); // each failure reported once
    // 20 000 lines of ~1.2 KB were refused: none of them may pile up in memory.
    expect(report.retained).toBeLessThan(8 * 1024 * 1024);
  }, 30_000);

  it('reopens the log when the file is deleted under it, and reports it, instead of writing into the void', async () => {
    const file = join(tempDir(), 'audit.log');
    const errors: string[] = [];
    const sink = createAuditSink({
      file,
      handleSignals: false,
      onError: (error) => errors.push(`${error.code}: ${String(error.detail.cause)}`),
    });
    sink.emit(event({ type: 'authz_fail', requiredScopes: ['a'], reason: 'before' }));
    const { unlinkSync } = await import('node:fs');
    unlinkSync(file);
    // The path is checked at most twice a second, so that the check costs nothing per line.
    await new Promise((resolve) => setTimeout(resolve, 600));
    sink.emit(event({ type: 'authz_fail', requiredScopes: ['a'], reason: 'after' }));
    await sink.close();
    expect(existsSync(file)).toBe(true);
    expect(readRecords(file).map((record) => record.reason)).toEqual(['after', 'close']);
    expect(errors).toEqual([
      expect.stringMatching(/^ERR_AUDIT_WRITE_FAILED: the audit log file was removed/),
    ]);
    // The new file continues the chain: on its own it shows that earlier lines are missing.
    expect((await verifyAuditLog(file)).failure).toMatchObject({ reason: 'missing', line: 1 });
    expect((await verifyAuditLog(file, { allowPartial: true, requireClosed: true })).ok).toBe(true);
  });

  it('writes sync types immediately and buffers the rest until the turn ends', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    sink.emit(event({ type: 'fs_access', operation: 'read' }));
    expect(linesOf(file)).toHaveLength(0);
    sink.emit(event({ type: 'authn_login_fail', method: 'bearer', reason: 'bad signature' }));
    expect(linesOf(file)).toHaveLength(3);
    sink.emit(event({ type: 'fs_access', operation: 'read again' }));
    await new Promise((resolve) => setImmediate(resolve));
    expect(linesOf(file)).toHaveLength(4);
    await sink.close();
  });

  it('keeps the buffer bounded however many events arrive in one turn', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false, bufferBytes: 16_384 });
    for (let i = 0; i < 20_000; i++) {
      sink.emit(event({ type: 'fs_access', operation: `read ${'x'.repeat(i % 300)}` }));
    }
    expect(sink.stats.maxBufferedChars).toBeLessThan(16_384 + 1_024);
    expect(sink.stats.writes).toBeGreaterThan(100);
    await sink.close();
    expect(readLines(file)).toHaveLength(20_002);
  });

  it('creates the file owner-only and refuses a symlinked log path', async () => {
    const dir = tempDir();
    const file = join(dir, 'sub', 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    await sink.close();
    const { statSync, symlinkSync, writeFileSync, chmodSync } = await import('node:fs');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    const link = join(dir, 'link.log');
    symlinkSync(file, link);
    expect(() => createAuditSink({ file: link, handleSignals: false })).toThrow(
      expect.objectContaining({ code: 'ERR_AUDIT_UNSAFE_FILE' }),
    );
    const loose = join(dir, 'loose.log');
    writeFileSync(loose, '');
    chmodSync(loose, 0o644);
    const narrowed = createAuditSink({ file: loose, handleSignals: false });
    await narrowed.close();
    expect(statSync(loose).mode & 0o777).toBe(0o600);
    expect(readRecords(loose)[0]).toMatchObject({
      type: 'sys_startup',
      level: 'warn',
      warnings: ['audit log file mode was 644; narrowed to 600'],
    });
  });
});
