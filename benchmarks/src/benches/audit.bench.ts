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
    setup: () => {
      const sides = openSides(chain, hmac);
      const event = sampleEvent();
      return {
        candidate: () => sides.sink.emit(event),
        baseline: () => sides.logger.warn(event),
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
 * possible and reports the heap growth and the time until all were written, for the audit sink
 * (bounded buffer, blocks when full) and raw async pino (buffers everything).
 */
async function slowDisk(
  kind: 'audit' | 'pino',
  count: number,
): Promise<{ heapMiB: number; seconds: number }> {
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
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  const started = performance.now();
  let finish: () => Promise<void>;
  if (kind === 'audit') {
    const sink = createAuditSink({ file: fifo, handleSignals: false, syncTypes: [], rotation: false });
    for (let i = 0; i < count; i++) {
      sink.emit(event);
      if (i % 1000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    finish = () => sink.close();
  } else {
    const destination = pino.destination({ dest: fifo, sync: false });
    const logger = pino(destination);
    for (let i = 0; i < count; i++) {
      logger.warn(event);
      if (i % 1000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    finish = () =>
      new Promise<void>((resolve) => {
        destination.once('close', () => resolve());
        destination.end();
      });
  }
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  await finish();
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => reader.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  return { heapMiB: (peak - before) / 2 ** 20, seconds };
}

export async function measure(options: RunOptions): Promise<readonly Measurement[]> {
  const count = options.quick ? 5_000 : 20_000;
  const audit = await slowDisk('audit', count);
  const raw = await slowDisk('pino', count);
  return [
    {
      name: 'audit/slow-disk-heap-growth',
      candidateLabel: 'createAuditSink (64 KiB buffer, blocks when full)',
      candidate: audit.heapMiB,
      baselineLabel: 'pino async destination',
      baseline: raw.heapMiB,
      unit: 'MiB',
      note: `${count} events of ~0.8 KB into a FIFO drained at ~6 MB/s; all written in ${audit.seconds.toFixed(2)} s vs ${raw.seconds.toFixed(2)} s`,
    },
  ];
}
