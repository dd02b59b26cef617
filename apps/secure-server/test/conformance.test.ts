import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { verifyAuditLog } from '@mcp-warden/audit';
import { describe, expect, it } from 'vitest';
import { startConformanceProfile } from '../src/conformance/profile.js';

const run = promisify(execFile);
const runtime = fileURLToPath(new URL('../.conformance/node_modules/', import.meta.url));
const node = join(runtime, '.bin/node');
const suite = join(runtime, '@modelcontextprotocol/conformance/dist/index.js');

describe('the official MCP conformance suite', () => {
  it('passes every server scenario of 0.1.16 against the fully guarded profile, with no expected failures', async () => {
    expect(
      existsSync(node) && existsSync(suite),
      'run scripts/install-conformance.sh (the test script does)',
    ).toBe(true);
    const auditLog = join(mkdtempSync(join(tmpdir(), 'conformance-')), 'audit.log');
    const profile = await startConformanceProfile({ auditLog });
    let output = '';
    try {
      const result = await run(node, [suite, 'server', '--url', profile.url, '--suite', 'all'], {
        timeout: 240_000,
        maxBuffer: 32 * 1024 * 1024,
      }).catch((error: { stdout?: string; stderr?: string }) => error);
      output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    } finally {
      await profile.close();
    }
    const scenarios = output.split('\n').filter((line) => /^[✓✗] /.test(line));
    const failed = scenarios.filter((line) => line.startsWith('✗'));
    expect(output).toMatch(/Running all suite \(32 scenarios\)/);
    expect(scenarios).toHaveLength(32);
    expect(failed, output.slice(-4000)).toEqual([]);
    expect(output).toMatch(/Total: \d+ passed, 0 failed/);
    // dns-rebinding-protection is one of them: the evil Host got a 4xx from our Host/Origin check.
    expect(scenarios).toContain('✓ dns-rebinding-protection: 2 passed, 0 failed');
    const report = await verifyAuditLog(auditLog);
    expect(report.ok).toBe(true);
    // Every guarded call was audited: at least one line per tool, resource and prompt scenario.
    const lines = (await readFile(auditLog, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; target?: string });
    const called = new Set(lines.filter((line) => line.type === 'mcp_call').map((line) => line.target));
    for (const target of [
      'tool:test_simple_text',
      'tool:test_sampling',
      'resource:test://static-text',
      'prompt:test_simple_prompt',
    ]) {
      expect(called).toContain(target);
    }
  }, 300_000);
});
