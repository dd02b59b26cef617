import { type CallPolicy, getSecurityContext, type PolicyMap } from '@mcp-warden/core';
import type { Executor } from '@mcp-warden/safe-exec';
import { MAX_EDITS, MAX_LINES, MAX_PATTERN_LENGTH, MAX_PATTERNS, type SafeFs } from '@mcp-warden/safe-fs';
import { boundedInt, boundedString, pathString } from '@mcp-warden/validation';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** Scopes the demo surface uses. */
export const SCOPES = {
  read: 'files:read',
  write: 'files:write',
  exec: 'exec',
  sensitive: 'data:sensitive',
} as const;

/** Every scope the demo surface knows, for metadata and the stdio principal. */
export const ALL_SCOPES: readonly string[] = Object.values(SCOPES);

export const SENSITIVE_URI = 'secure://sensitive-data';

/** Policy as data, next to the tools: scopes, rate-limit cost and per-target limits. */
export const DEMO_POLICIES: PolicyMap = {
  tools: {
    read_file: { scopes: [SCOPES.read] },
    list_directory: { scopes: [SCOPES.read] },
    search_files: { scopes: [SCOPES.read] },
    write_file: { scopes: [SCOPES.write], cost: 2 },
    edit_file: { scopes: [SCOPES.write], cost: 2 },
    run_command: { scopes: [SCOPES.exec], cost: 5 },
    whoami: {},
  },
  resources: {
    'sensitive-data': {
      scopes: [SCOPES.sensitive],
      // The original design's "5 per minute for sensitive data".
      rateLimit: { limit: 5, periodMs: 60_000 },
    } satisfies CallPolicy,
  },
};

/** What the demo tools act through. Every effect on the host goes through safe-fs or safe-exec. */
export interface DemoDependencies {
  readonly fs: SafeFs;
  readonly exec: Executor;
}

// Built once: schemas are immutable and shared by every server instance (one per session, or per
// request when stateless).
const path = pathString();
const fileContent = boundedString({ maxChars: 1_000_000, multiline: true });
const globs = z.array(boundedString({ maxChars: MAX_PATTERN_LENGTH })).max(MAX_PATTERNS);
const lineCount = boundedInt({ min: 1, max: MAX_LINES }).optional();
const commandName = boundedString({ maxChars: 64, pattern: /^[A-Za-z0-9_.-]+$/ });
const commandArgs = z
  .array(boundedString({ maxChars: 4_096 }))
  .max(64)
  .default([]);

// Whole object schemas, not raw shapes: the SDK would build a new z.object per registration, and a
// stateless server registers its tools once per request.
const schemas = {
  pathInput: z.object({ path }),
  readInput: z.object({ path, head: lineCount, tail: lineCount }),
  writeInput: z.object({ path, content: fileContent }),
  editInput: z.object({
    path,
    edits: z
      .array(z.object({ oldText: fileContent, newText: fileContent }))
      .min(1)
      .max(MAX_EDITS),
    dryRun: z.boolean().default(false),
  }),
  searchInput: z.object({ path, patterns: globs.min(1), exclude: globs.default([]) }),
  commandInput: z.object({ command: commandName, args: commandArgs }),
  readOutput: z.object({ path: z.string(), content: z.string() }),
  writeOutput: z.object({ path: z.string(), bytes: z.number() }),
  editOutput: z.object({ path: z.string(), diff: z.string(), changed: z.boolean(), dryRun: z.boolean() }),
  listOutput: z.object({
    entries: z.array(z.object({ name: z.string(), type: z.string() })),
    truncated: z.boolean(),
  }),
  commandOutput: z.object({
    exitCode: z.number().nullable(),
    stdout: z.string(),
    stderr: z.string(),
    truncated: z.boolean(),
    timedOut: z.boolean(),
  }),
  whoamiOutput: z.object({ subject: z.string(), scopes: z.array(z.string()), method: z.string() }),
};

/** Registers the demo tools and the sensitive resource on `server`. */
export function registerDemoSurface(server: McpServer, { fs, exec }: DemoDependencies): void {
  server.registerTool(
    'read_file',
    {
      title: 'Read a file',
      description:
        'Reads a UTF-8 text file inside the allowed roots; with head or tail, only its first or last lines.',
      inputSchema: schemas.readInput,
      outputSchema: schemas.readOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      const content = await fs.readText(args.path, {
        ...(args.head === undefined ? {} : { head: args.head }),
        ...(args.tail === undefined ? {} : { tail: args.tail }),
        signal: extra.signal,
        context: getSecurityContext(extra),
      });
      return { content: [{ type: 'text', text: content }], structuredContent: { path: args.path, content } };
    },
  );

  server.registerTool(
    'write_file',
    {
      title: 'Write a file',
      description: 'Writes a UTF-8 text file inside the allowed roots, atomically.',
      inputSchema: schemas.writeInput,
      outputSchema: schemas.writeOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      await fs.writeFile(args.path, args.content, {
        signal: extra.signal,
        context: getSecurityContext(extra),
      });
      const bytes = Buffer.byteLength(args.content);
      return {
        content: [{ type: 'text', text: `wrote ${bytes} bytes to ${args.path}` }],
        structuredContent: { path: args.path, bytes },
      };
    },
  );

  server.registerTool(
    'edit_file',
    {
      title: 'Edit a file',
      description:
        'Replaces text in a UTF-8 file inside the allowed roots: each oldText must occur exactly once; all edits or none; returns a unified diff. dryRun previews.',
      inputSchema: schemas.editInput,
      outputSchema: schemas.editOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async (args, extra) => {
      const { diff, changed } = await fs.edit(args.path, args.edits, {
        dryRun: args.dryRun,
        signal: extra.signal,
        context: getSecurityContext(extra),
      });
      const summary = changed ? `${args.dryRun ? 'would change' : 'changed'} ${args.path}` : 'no change';
      return {
        content: [{ type: 'text', text: diff === '' ? summary : `${summary}\n${diff}` }],
        structuredContent: { path: args.path, diff, changed, dryRun: args.dryRun },
      };
    },
  );

  server.registerTool(
    'list_directory',
    {
      title: 'List a directory',
      description: 'Lists the entries of a directory inside the allowed roots.',
      inputSchema: schemas.pathInput,
      outputSchema: schemas.listOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      const listing = await fs.list(args.path, { signal: extra.signal, context: getSecurityContext(extra) });
      const entries = listing.entries.map((entry) => ({ name: entry.name, type: entry.type }));
      const text = entries
        .map((entry) => `${entry.type === 'directory' ? 'd' : '-'} ${entry.name}`)
        .join('\n');
      return {
        content: [{ type: 'text', text: listing.truncated ? `${text}\n… (truncated)` : text }],
        structuredContent: { entries, truncated: listing.truncated },
      };
    },
  );

  server.registerTool(
    'search_files',
    {
      title: 'Search files by pattern',
      description:
        'Finds entries under a directory inside the allowed roots whose relative path matches a glob (e.g. **/*.ts); excluded directories (e.g. node_modules/**) are not entered.',
      inputSchema: schemas.searchInput,
      outputSchema: schemas.listOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      const listing = await fs.list(args.path, {
        recursive: true,
        match: args.patterns,
        exclude: args.exclude,
        signal: extra.signal,
        context: getSecurityContext(extra),
      });
      const entries = listing.entries.map((entry) => ({ name: entry.path, type: entry.type }));
      const text = entries.map((entry) => entry.name).join('\n') || 'no match';
      return {
        content: [{ type: 'text', text: listing.truncated ? `${text}\n… (truncated)` : text }],
        structuredContent: { entries, truncated: listing.truncated },
      };
    },
  );

  server.registerTool(
    'run_command',
    {
      title: 'Run an allowed command',
      description: 'Runs an allowlisted command (no shell) with arguments checked against its policy.',
      inputSchema: schemas.commandInput,
      outputSchema: schemas.commandOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      const result = await exec.run(args.command, args.args, {
        signal: extra.signal,
        context: getSecurityContext(extra),
      });
      const summary = `exit ${result.exitCode ?? result.signal}${result.truncated ? ' (output cut)' : ''}${result.timedOut ? ' (timed out)' : ''}`;
      return {
        content: [
          {
            type: 'text',
            text: `${summary}\n${result.stdout}${result.stderr ? `\nstderr:\n${result.stderr}` : ''}`,
          },
        ],
        structuredContent: {
          exitCode: result.exitCode,
          stdout: result.stdout,
          stderr: result.stderr,
          truncated: result.truncated,
          timedOut: result.timedOut,
        },
      };
    },
  );

  server.registerTool(
    'whoami',
    {
      title: 'Who am I',
      description: 'The authenticated principal and its scopes.',
      outputSchema: schemas.whoamiOutput,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (extra) => {
      const principal = getSecurityContext(extra)?.principal;
      const who = {
        subject: principal?.subject ?? 'anonymous',
        scopes: [...(principal?.scopes ?? [])],
        method: principal?.method ?? 'none',
      };
      return {
        content: [
          { type: 'text', text: `${who.subject} (${who.method}): ${who.scopes.join(' ') || 'no scopes'}` },
        ],
        structuredContent: who,
      };
    },
  );

  server.registerResource(
    'sensitive-data',
    SENSITIVE_URI,
    {
      title: 'Sensitive data',
      description: 'A resource with its own scope and a strict rate limit.',
      mimeType: 'text/plain',
    },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'The launch code is in another castle.' }],
    }),
  );
}
