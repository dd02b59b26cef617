/** Per-tool scopes: a map, or a function (e.g. reading the same policies the core binding uses). */
export type ToolScopes =
  | Readonly<Record<string, readonly string[]>>
  | ((toolName: string) => readonly string[] | undefined);

function scopesOf(toolScopes: ToolScopes, name: string): readonly string[] {
  if (typeof toolScopes === 'function') return toolScopes(name) ?? [];
  return Object.hasOwn(toolScopes, name) ? (toolScopes[name] ?? []) : [];
}

/**
 * Every scope a JSON-RPC body (one message or a batch) needs for its `tools/call` messages, in first-seen
 * order, so one 403 challenge can name them all (the MCP step-up flow).
 */
export function scopesForBody(body: unknown, toolScopes: ToolScopes | undefined): string[] {
  if (toolScopes === undefined) return [];
  const messages = Array.isArray(body) ? (body as unknown[]) : [body];
  const out = new Set<string>();
  for (const message of messages) {
    if (typeof message !== 'object' || message === null) continue;
    const { method, params } = message as { method?: unknown; params?: unknown };
    if (method !== 'tools/call' || typeof params !== 'object' || params === null) continue;
    const name = (params as { name?: unknown }).name;
    if (typeof name !== 'string') continue;
    for (const scope of scopesOf(toolScopes, name)) out.add(scope);
  }
  return [...out];
}
