import { describe, expect, it } from 'vitest';
import { boundedString, safeUrl, validationGuard } from '../src/index.js';

async function warningsWhile(action: () => void): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (warning: Error) => {
    seen.push(warning);
  };
  process.on('warning', listener);
  try {
    action();
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe('options that weaken a check', () => {
  it('each emits one SecurityWarning naming the option, once per process', async () => {
    const warnings = await warningsWhile(() => {
      boundedString({ allowHiddenCharacters: true });
      boundedString({ allowHiddenCharacters: true });
      boundedString({ pattern: /^(a+)+$/, allowUnsafePattern: true });
      safeUrl({ allowPrivateAddresses: true });
      validationGuard({ insecureRawOutput: true });
    });
    expect(warnings.map((warning) => [warning.name, warning.message])).toEqual([
      ['SecurityWarning', 'boundedString: allowHiddenCharacters weakens a security check'],
      ['SecurityWarning', 'boundedString: allowUnsafePattern weakens a security check'],
      ['SecurityWarning', 'safeUrl: allowPrivateAddresses weakens a security check'],
      ['SecurityWarning', 'validationGuard: insecureRawOutput weakens a security check'],
    ]);
    expect((warnings[0] as Error & { code?: string }).code).toBe('MCP_WARDEN_INSECURE_OPTION');
  });

  it('the secure defaults emit nothing', async () => {
    const warnings = await warningsWhile(() => {
      boundedString({ pattern: /^[a-z]+$/ });
      safeUrl({ resolveHost: true });
      validationGuard();
    });
    expect(warnings).toEqual([]);
  });
});
