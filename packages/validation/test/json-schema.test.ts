import { secureMcpServer } from '@mcp-warden/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  boundedEnum,
  boundedInt,
  boundedNumber,
  boundedString,
  identifier,
  pathString,
  safeUrl,
  validationGuard,
} from '../src/index.js';
import { connect } from './helpers.js';

describe('the schemas as inputSchema of McpServer.registerTool', () => {
  it('publish their limits in tools/list so clients see them', async () => {
    const server = new McpServer({ name: 'schemas', version: '1.0.0' });
    secureMcpServer(server, { guards: [validationGuard()] });
    server.registerTool(
      'all',
      {
        inputSchema: {
          text: boundedString({ maxChars: 200, minChars: 1, pattern: /^[a-z ]+$/ }),
          note: boundedString({ normalize: 'NFC' }),
          count: boundedInt({ min: 1, max: 10 }),
          ratio: boundedNumber({ min: 0, max: 1 }),
          order: boundedEnum(['asc', 'desc']),
          name: identifier(),
          file: pathString(),
          url: safeUrl(),
          items: z.array(boundedString({ maxChars: 5 })).max(3),
        },
      },
      async () => ({ content: [] }),
    );
    const client = await connect(server);
    const { tools } = await client.listTools();
    const properties = tools[0]?.inputSchema.properties as Record<string, Record<string, unknown>>;
    expect(properties.text).toMatchObject({
      type: 'string',
      maxLength: 200,
      minLength: 1,
      pattern: '^[a-z ]+$',
    });
    expect(properties.note).toMatchObject({ type: 'string', maxLength: 1000 });
    expect(properties.count).toMatchObject({ type: 'integer', minimum: 1, maximum: 10 });
    expect(properties.ratio).toMatchObject({ type: 'number', minimum: 0, maximum: 1 });
    expect(properties.order).toMatchObject({ type: 'string', enum: ['asc', 'desc'] });
    expect(properties.name).toMatchObject({
      maxLength: 64,
      minLength: 1,
      pattern: '^[A-Za-z_][A-Za-z0-9_.-]*$',
    });
    expect(properties.file).toMatchObject({ type: 'string', maxLength: 4096, minLength: 1 });
    expect(properties.url).toMatchObject({ type: 'string', maxLength: 2048, format: 'uri' });
    expect(properties.items).toMatchObject({
      type: 'array',
      maxItems: 3,
      items: { type: 'string', maxLength: 5 },
    });
    expect(tools[0]?.inputSchema.required).toEqual([
      'text',
      'note',
      'count',
      'ratio',
      'order',
      'name',
      'file',
      'url',
      'items',
    ]);
    await client.close();
  });

  it('are enforced by the SDK itself as well, without the guard', async () => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' });
    server.registerTool('t', { inputSchema: { text: boundedString({ maxChars: 3 }) } }, async ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    const client = await connect(server);
    expect((await client.callTool({ name: 't', arguments: { text: 'abcd' } })).isError).toBe(true);
    expect((await client.callTool({ name: 't', arguments: { text: 'a\u202eb' } })).isError).toBe(true);
    expect((await client.callTool({ name: 't', arguments: { text: 'abc' } })).isError).toBeFalsy();
    await client.close();
  });
});
