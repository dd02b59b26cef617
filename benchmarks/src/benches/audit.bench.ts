import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditSink, createAuditSink } from '@mcp-warden/audit';
import type { SecurityEvent } from '@mcp-warden/core';
import pino from 'pino';
import type { Comparison, Measurement, RunOptions } from '../harness.js';

/** A typical denial event as a security context emits it. */
function sampleEvent(): SecurityEvent {
  return {
    type: 'authz_fail',
    time: new Date().toISOString(),
    level: 'warn',
    outcome: 'denied',
    requestId: '1842',
    sessionId: 'c0ffee00-1234-4abc-9def-0123456789ab',
    principal: { subject: 'user-42', clientId: 'claude-desktop', method: 'bearer' },
    transport: 'http',
    remoteAddress: '10.0.0.7',
    target: 'tool:write_file',
    code: 'ERR_INSUFFICIENT_SCOPE',
    requiredScopes: ['files:write'],
    reason: 'missing scope files:write',
  };
}

interface FileSides {
  readonly dir: string;
  readonly sink: AuditSink;
  readonly logger: pino.Logger;
  readonly destination: ReturnType<typeof pino.destination>;
}

function openSides(chain: boolean, hmac: boolean): FileSides {
  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  const sink = createAuditSink({
    file: join(dir, 'audit.log'),
    handleSignals: false,
    // Sync types would make every sample event a synchronous write; the comparison is about throughput.
    syncTypes: [],
    ...(chain ? {} : { insecureDisableChain: true }),
    ...(hmac ? { hmacKey: 'bench-hmac-key-0123456789abcdef0123456789' } : {}),
  });
  // Raw pino, asynchronous file destination: its fastest configuration for files.
  const destination = pino.destination({ dest: join(dir, 'pino.log'), sync: false });
  const logger = pino(destination);
  return { dir, sink, logger, destination };
}

function fileComparison(name: string, chain: boolean, hmac: boolean, target: number): Comparison {
  return {
    name,
    candidateLabel: `createAuditSink (${chain ? (hmac ? 'chain + HMAC' : 'hash chain') : 'no chain'})`,
    baselineLabel: 'pino(pino.destination({ sync: false })).warn',
    targetTimeRatio: target,
    // The sink encodes held events at the end of the turn (or when its buffer is full): a measured
    // iteration of 256 events contains that work, as pino's contains its serializing.
    opsPerIteration: 256,
    // Two crypto operations per line on one side only: rounds on this shared VM spread ±20%.
    rounds: 28,
    setup: () => {
      const sides = openSides(chain, hmac);
      const event = sampleEvent();
      // A new request id per event, as in real traffic (so no value cache can make every line free).
      let id = 0;
      return {
        candidate: () => sides.sink.emit({ ...event, requestId: String(++id) }),
        baseline: () => sides.logger.warn({ ...event, requestId: String(++id) }),
        teardown: async () => {
          await sides.sink.close();
          sides.destination.flushSync();
          sides.destination.end();
          rmSync(sides.dir, { recursive: true, force: true });
        },
      };
    },
  };
}

export const comparisons: readonly Comparison[] = [
  fileComparison('audit/file-no-chain', false, false, 1.11),
  fileComparison('audit/file-hash-chain', true, false, 1.43),
  fileComparison('audit/file-chain-hmac', true, true, 1.43),
];

/**
 * A slow disk: a FIFO drained by a reader that sleeps between reads. Emits `count` events as fast as
 * possible and reports the most bytes held in memory waiting for the disk, how long the emitting loop
 * held the event loop, and the time until everything was written: the audit sink (bounded buffer,
 * blocks when full) against raw async pino (queues everything).
 */
async function slowDisk(
  kind: 'audit' | 'pino',
  count: number,
): Promise<{ queuedKiB: number; loopMs: number; totalMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-fifo-'));
  const fifo = join(dir, 'slow.fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn(
    process.execPath,
    [
      '-e',
      `const fs=require('fs');const fd=fs.openSync(process.argv[1],'r');const b=Buffer.alloc(65536);
       const t=()=>{const n=fs.readSync(fd,b);if(n===0)process.exit(0);setTimeout(t,10)};t();`,
      fifo,
    ],
    { stdio: 'ignore' },
  );
  const event = { ...sampleEvent(), reason: 'x'.repeat(400) };
  let queued = 0;
  let finish: () => Promise<void>;
  const started = performance.now();
  let loopMs: number;
  if (kind === 'audit') {
    const sink = createAuditSink({ file: fifo, handleSignals: false, syncTypes: [], rotation: false });
    for (let i = 0; i < count; i++) sink.emit(event);
    loopMs = performance.now() - started;
    queued = sink.stats.maxBufferedChars;
    finish = () => sink.close();
  } else {
    const destination = pino.destination({ dest: fifo, sync: false });
    const logger = pino(destination);
    // sonic-boom keeps the bytes it has not written yet in `_len`.
    const pending = () => (destination as unknown as { _len: number })._len;
    for (let i = 0; i < count; i++) {
      logger.warn(event);
      if (i % 100 === 0) queued = Math.max(queued, pending());
    }
    queued = Math.max(queued, pending());
    loopMs = performance.now() - started;
    finish = () =>
      new Promise<void>((resolve) => {
        destination.once('close', () => resolve());
        destination.end();
      });
  }
  await finish();
  const totalMs = performance.now() - started;
  await new Promise((resolve) => reader.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  return { queuedKiB: queued / 1024, loopMs, totalMs };
}

export async function measure(options: RunOptions): Promise<readonly Measurement[]> {
  const count = options.quick ? 5_000 : 20_000;
  const audit = await slowDisk('audit', count);
  const raw = await slowDisk('pino', count);
  const setting = `${count} events of ~0.8 KB into a FIFO drained at ~6 MB/s`;
  return [
    {
      name: 'audit/slow-disk-queued',
      candidateLabel: 'createAuditSink (64 KiB buffer, blocks when full)',
      candidate: audit.queuedKiB,
      baselineLabel: 'pino async destination',
      baseline: raw.queuedKiB,
      unit: 'KiB max queued',
      note: `${setting}; all written after ${audit.totalMs.toFixed(0)} ms vs ${raw.totalMs.toFixed(0)} ms`,
    },
    {
      name: 'audit/slow-disk-emit-loop',
      candidateLabel: 'createAuditSink (64 KiB buffer, blocks when full)',
      candidate: audit.loopMs,
      baselineLabel: 'pino async destination',
      baseline: raw.loopMs,
      unit: 'ms event loop held',
      note: `${setting}: the price of bounded memory is back-pressure on the emitting code`,
    },
  ];
}
