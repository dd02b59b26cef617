import { describe, expect, it } from 'vitest';
import {
  type Call,
  type CallResult,
  composeGuards,
  createSecurityContext,
  type Guard,
  resolvePolicy,
} from '../src/index.js';

function makeCall(args: Record<string, unknown> = {}): Call {
  return {
    kind: 'tool',
    name: 't',
    arguments: args,
    inputSchema: undefined,
    policy: resolvePolicy(undefined, undefined),
    context: createSecurityContext({ signal: new AbortController().signal, requestId: 1 }),
  };
}

const ok = (text: string): CallResult => ({ content: [{ type: 'text', text }] });

describe('composeGuards', () => {
  it('runs guards outermost first and unwinds in reverse (onion)', async () => {
    const trace: string[] = [];
    const tracer =
      (name: string): Guard =>
      async (_call, next) => {
        trace.push(`${name}>`);
        const result = await next();
        trace.push(`<${name}`);
        return result;
      };
    const run = composeGuards([tracer('a'), tracer('b'), tracer('c')]);
    await run(makeCall(), async () => {
      trace.push('handler');
      return ok('x');
    });
    expect(trace).toEqual(['a>', 'b>', 'c>', 'handler', '<c', '<b', '<a']);
  });

  it('lets a guard short-circuit, change arguments, and post-process the result', async () => {
    const upper: Guard = async (call, next) => {
      const result = await next({ ...call, arguments: { ...call.arguments, added: true } });
      return { ...result, post: true };
    };
    const run = composeGuards([upper]);
    const result = await run(makeCall({ a: 1 }), async (call) => ok(JSON.stringify(call.arguments)));
    expect(result).toEqual({ content: [{ type: 'text', text: '{"a":1,"added":true}' }], post: true });

    const deny: Guard = async () => {
      throw new Error('denied');
    };
    let reached = false;
    await expect(
      composeGuards([deny])(makeCall(), async () => {
        reached = true;
        return ok('');
      }),
    ).rejects.toThrow('denied');
    expect(reached).toBe(false);
  });

  it('refuses a guard calling next twice', async () => {
    const twice: Guard = async (_call, next) => {
      await next();
      return next();
    };
    await expect(composeGuards([twice])(makeCall(), async () => ok(''))).rejects.toThrow(/more than once/);
  });

  it('turns a synchronous throw in a guard into a rejection', async () => {
    const sync = (() => {
      throw new Error('sync');
    }) as unknown as Guard;
    await expect(composeGuards([sync])(makeCall(), async () => ok(''))).rejects.toThrow('sync');
  });
});

describe('resolvePolicy', () => {
  it('defaults from annotations, explicit fields win, unannotated tools count as destructive', () => {
    expect(resolvePolicy(undefined, undefined)).toMatchObject({
      scopes: [],
      cost: 1,
      readOnly: false,
      destructive: true,
    });
    expect(resolvePolicy(undefined, { readOnlyHint: true })).toMatchObject({
      readOnly: true,
      destructive: false,
    });
    expect(resolvePolicy(undefined, { destructiveHint: false })).toMatchObject({
      readOnly: false,
      destructive: false,
    });
    expect(resolvePolicy({ destructive: true }, { readOnlyHint: true })).toMatchObject({ destructive: true });
    expect(resolvePolicy({ scopes: ['b'] }, undefined, { scopes: ['a'], cost: 3 })).toMatchObject({
      scopes: ['b'],
      cost: 3,
    });
  });

  it('refuses a cost that is not a finite non-negative number', () => {
    expect(() => resolvePolicy({ cost: Number.NaN }, undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_POLICY' }),
    );
    expect(() => resolvePolicy({ cost: -1 }, undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_POLICY' }),
    );
  });
});
