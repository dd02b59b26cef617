import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SecurityEvent } from '@mcp-warden/core';
import { afterEach } from 'vitest';

const dirs: string[] = [];

/** A fresh temp directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-warden-audit-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The lines of a log file (without the empty string after the final newline). */
export function readLines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export function readRecords(file: string): Record<string, unknown>[] {
  return readLines(file).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A complete event as a security context would emit it. */
export function event<E extends Partial<SecurityEvent>>(fields: E): SecurityEvent {
  return {
    time: new Date().toISOString(),
    level: 'info',
    outcome: 'success',
    ...fields,
  } as unknown as SecurityEvent;
}

export const HMAC_KEY = 'test-hmac-key-0123456789abcdef-0123456789';
