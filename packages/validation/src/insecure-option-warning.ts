const warned = new Set<string>();

/**
 * Emits a process warning (once per message) when an option that weakens security is used: the
 * project's rule is that weakening is explicit, named, and visible in the logs.
 */
export function warnInsecureOption(option: string, where: string): void {
  const message = `${where}: ${option} weakens a security check`;
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { code: 'MCP_WARDEN_INSECURE_OPTION', type: 'SecurityWarning' });
}
