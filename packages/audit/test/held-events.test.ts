import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditSink, verifyAuditLog } from '../src/index.js';
import { event, readLines, readRecords, tempDir } from './helpers.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Records of the file, without the sink's own `sys_startup` line. */
const recordsOf = (file: string) => readRecords(file).filter((record) => record.type !== 'sys_startup');

describe('events held until the end of the turn', () => {
  it('logs a held event as it was emitted: later changes to it or its principal do not reach the line', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    const principal = { subject: 'alice', method: 'bearer' as const };
    const emitted = event({
      type: 'mcp_call',
      target: 'tool:read',
      durationMs: 1.5,
      principal,
    }) as unknown as Record<string, unknown>;
    sink.emit(emitted as never);
    expect(readLines(file)).toHaveLength(0); // held, not written yet
    emitted.target = 'tool:other';
    emitted.outcome = 'failure';
    principal.subject = 'mallory';
    await nextTurn();
    expect(recordsOf(file)).toEqual([
      expect.objectContaining({
        type: 'mcp_call',
        target: 'tool:read',
        outcome: 'success',
        principal: { subject: 'alice', method: 'bearer' },
      }),
    ]);
    await sink.close();
  });

  it('encodes an event with nested values at once, so later changes do not reach it either', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    const fields = [{ path: 'query', reason: 'too long' }];
    const removed = { ansi: 2 };
    const deep = { principal: { subject: 'bob', method: 'bearer' as const, groups: { admin: true } } };
    sink.emit(event({ type: 'input_validation_fail', fields }));
    sink.emit(event({ type: 'malicious_output', removed }));
    sink.emit(event({ type: 'mcp_call', ...(deep as object) }));
    fields[0]!.reason = 'changed';
    removed.ansi = 99;
    deep.principal.groups.admin = false;
    await nextTurn();
    const records = recordsOf(file);
    expect(records[0]).toMatchObject({ fields: [{ path: 'query', reason: 'too long' }] });
    expect(records[1]).toMatchObject({ removed: { ansi: 2 } });
    expect(records[2]).toMatchObject({ principal: { groups: { admin: true } } });
    await sink.close();
  });

  it('keeps emit order and sequence numbers across held, at-once and synchronous events', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    sink.emit(event({ type: 'mcp_call', target: 'tool:first' }));
    sink.emit(event({ type: 'input_validation_fail', fields: [{ path: 'a', reason: 'b' }] }));
    sink.emit(event({ type: 'mcp_call', target: 'tool:third' }));
    // A synchronous type: written before emit returns, after everything emitted before it.
    sink.emit(event({ type: 'authz_fail', target: 'tool:fourth', reason: 'missing scope' }));
    const written = recordsOf(file);
    expect(written.map((record) => record.type)).toEqual([
      'mcp_call',
      'input_validation_fail',
      'mcp_call',
      'authz_fail',
    ]);
    sink.emit(event({ type: 'mcp_call', target: 'tool:fifth' }));
    await sink.close();
    const records = readRecords(file);
    expect(records.map((record) => record.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(records.map((record) => record.target ?? record.type)).toEqual([
      'sys_startup',
      'tool:first',
      'input_validation_fail',
      'tool:third',
      'tool:fourth',
      'tool:fifth',
      'sys_shutdown',
    ]);
    expect((await verifyAuditLog(file, { requireClosed: true })).ok).toBe(true);
  });

  it('does not hold long strings: memory stays bounded by bufferBytes', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false, bufferBytes: 16_384 });
    const big = 'x'.repeat(1_000_000);
    for (let i = 0; i < 200; i++) sink.emit(event({ type: 'fs_access', operation: big }));
    expect(sink.stats.maxBufferedChars).toBeLessThan(16_384 + 16_384);
    await sink.close();
    expect(readLines(file)).toHaveLength(202);
  });

  it('logs an event whose field getter throws, with that field as [unreadable], and the events around it', async () => {
    const file = join(tempDir(), 'audit.log');
    const errors: string[] = [];
    const sink = createAuditSink({ file, handleSignals: false, onError: (error) => errors.push(error.code) });
    const hostile = event({ type: 'mcp_call' }) as unknown as Record<string, unknown>;
    Object.defineProperty(hostile, 'reason', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    sink.emit(event({ type: 'mcp_call', target: 'tool:before' }));
    sink.emit(hostile as never);
    sink.emit(event({ type: 'mcp_call', target: 'tool:after' }));
    await sink.close();
    const targets = recordsOf(file).map((record) => record.target);
    expect(targets).toContain('tool:before');
    expect(targets).toContain('tool:after');
    // The event itself is not lost: only the field that could not be read is missing.
    expect(recordsOf(file).filter((record) => record.reason === '[unreadable]')).toHaveLength(1);
    expect(errors).toEqual([]);
    expect((await verifyAuditLog(file, { requireClosed: true })).ok).toBe(true);
  });
});
