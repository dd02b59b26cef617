import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuditSink, verifyAuditLog } from '../src/index.js';
import { event, readLines, tempDir } from './helpers.js';

describe('log injection', () => {
  it('a forged newline in a value cannot create a second line', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    const forged =
      'x"}\n{"time":"2026-01-01T00:00:00.000Z","type":"authn_login_success","level":"info","outcome":"success","instance":"i","seq":1}\r\n\u2028\u2029\u0000';
    sink.emit(
      event({
        type: 'fs_denied',
        operation: 'read',
        reason: forged,
        target: `tool:${forged}`,
        [forged]: forged,
      }),
    );
    await sink.close();
    const lines = readLines(file);
    expect(lines).toHaveLength(3);
    const record = JSON.parse(lines[1]!) as Record<string, unknown>;
    expect(record.reason).toBe(forged);
    expect(record.type).toBe('fs_denied');
    expect((await verifyAuditLog(file)).ok).toBe(true);
  });

  it('writes NEL, U+2028, U+2029 and bidi controls as escapes, never raw', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    const tricky = 'a\u0085b\u2028c\u2029d\u202eevil\u2066e';
    sink.emit(event({ type: 'fs_denied', operation: tricky, reason: 'r', [tricky]: tricky }));
    await sink.close();
    const raw = readFileSync(file, 'utf8');
    expect(raw).not.toMatch(/[\u0085\u2028\u2029\u202e\u2066]/);
    expect(raw).toContain('a\\u0085b\\u2028c\\u2029d\\u202eevil\\u2066e');
    const record = JSON.parse(readLines(file)[1]!) as Record<string, unknown>;
    expect(record.operation).toBe(tricky);
    expect(record[tricky]).toBe(tricky);
    expect((await verifyAuditLog(file)).ok).toBe(true);
  });

  it('writes C1 controls, zero-width and other format characters and tag characters as escapes, never raw', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    // A one-character CSI that clears the screen, a grep-evading zero-width space and soft hyphen, a
    // BOM, a word joiner and an invisible "ASCII smuggling" payload in tag characters.
    const tricky = 'ad\u200bmin \u009b2J \u00ad\ufeff\u2060 \u{E0069}\u{E0067}\u{E006E}';
    sink.emit(event({ type: 'fs_denied', operation: tricky, reason: 'r', [tricky]: tricky }));
    await sink.close();
    const raw = readFileSync(file, 'utf8');
    expect(raw).not.toMatch(/[\u0080-\u009f\u00ad\u200b\ufeff\u2060]|\u{E0069}/u);
    expect(raw).toContain(
      'ad\\u200bmin \\u009b2J \\u00ad\\ufeff\\u2060 \\udb40\\udc69\\udb40\\udc67\\udb40\\udc6e',
    );
    const record = JSON.parse(readLines(file)[1]!) as Record<string, unknown>;
    expect(record.operation).toBe(tricky);
    expect(record[tricky]).toBe(tricky);
    expect((await verifyAuditLog(file)).ok).toBe(true);
  });

  it('any string in any field yields exactly one parseable line per event (property)', async () => {
    const file = join(tempDir(), 'audit.log');
    const sink = createAuditSink({ file, handleSignals: false });
    let emitted = 0;
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ unit: 'grapheme', maxLength: 50 }),
        (value, key) => {
          sink.emit(
            event({
              type: 'exec_denied',
              command: value,
              argCount: 1,
              reason: value,
              [key]: { [value]: value },
            }),
          );
          emitted++;
        },
      ),
      { numRuns: 150 },
    );
    await sink.close();
    const lines = readLines(file);
    expect(lines).toHaveLength(emitted + 2);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect((await verifyAuditLog(file)).ok).toBe(true);
  }, 30_000);
});
