import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAuditSink, verifyAuditLog } from '../src/index.js';
import { event, readLines, readRecords, tempDir } from './helpers.js';

describe('destinations', () => {
  it('ships byte-identical, verifiable lines through a pino transport (worker thread)', async () => {
    const dir = tempDir();
    const shipped = join(dir, 'shipped.log');
    const transport = pino.transport({ target: 'pino/file', options: { destination: shipped, mkdir: true } });
    const sink = createAuditSink({ destination: transport, instanceId: 'api-1', handleSignals: false });
    for (let i = 0; i < 100; i++) sink.emit(event({ type: 'fs_access', operation: `read ${i}` }));
    sink.emit(event({ type: 'authz_fail', requiredScopes: ['admin'], reason: 'missing scope' }));
    await sink.close();
    expect(readLines(shipped)).toHaveLength(103);
    expect(readRecords(shipped).every((record) => record.instance === 'api-1')).toBe(true);
    expect((await verifyAuditLog(shipped, { requireClosed: true })).ok).toBe(true);
  }, 30_000);

  it('reports write failures through onError with ERR_AUDIT_WRITE_FAILED instead of throwing', async () => {
    const errors: string[] = [];
    const broken = {
      write(): boolean {
        throw new Error('disk full');
      },
    };
    const sink = createAuditSink({
      destination: broken,
      handleSignals: false,
      syncTypes: 'all',
      onError: (error) => errors.push(error.code),
    });
    expect(() => sink.emit(event({ type: 'fs_access', operation: 'read' }))).not.toThrow();
    expect(errors).toEqual(['ERR_AUDIT_WRITE_FAILED', 'ERR_AUDIT_WRITE_FAILED']);
    expect(sink.stats.writeErrors).toBe(2);
    await sink.close();
  });

  it('refuses weak HMAC keys and bad options with ConfigError codes', () => {
    expect(() => createAuditSink({ destination: 'stderr', hmacKey: 'short', handleSignals: false })).toThrow(
      expect.objectContaining({ code: 'ERR_AUDIT_HMAC_KEY_TOO_SHORT' }),
    );
    expect(() =>
      createAuditSink({ destination: 'stderr', instanceId: 'a\nb', handleSignals: false }),
    ).toThrow(expect.objectContaining({ code: 'ERR_AUDIT_INVALID_OPTION' }));
    expect(() =>
      createAuditSink({ destination: 'stderr', redaction: { maxStringLength: 0 }, handleSignals: false }),
    ).toThrow(expect.objectContaining({ code: 'ERR_AUDIT_INVALID_OPTION' }));
  });

  it('names weakening options as warnings in its own startup record', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false, insecureDisableChain: true, syncTypes: [] });
    await sink.close();
    const [startup] = readRecords(file);
    expect(startup).toMatchObject({ type: 'sys_startup', level: 'warn', component: '@mcp-warden/audit' });
    expect((startup!.warnings as string[]).join('\n')).toMatch(
      /insecureDisableChain[\s\S]*authz_fail is buffered/,
    );
    expect(startup!.hash).toBeUndefined();
  });
});
