/** Splits a camelCase / PascalCase / snake_case key into lower-case words. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.toLowerCase());
}

/** `maxConnections` → `MAX_CONNECTIONS`; nested keys are joined with `__` (`server.host` → `SERVER__HOST`). */
export function envNameOf(path: readonly string[]): string {
  return path.map((segment) => words(segment).join('_').toUpperCase()).join('__');
}

/** `maxConnections` → `max-connections`; nested keys are joined with `.` (`--server.host`). */
export function flagNameOf(path: readonly string[]): string {
  return path.map((segment) => words(segment).join('-')).join('.');
}

/** The key path as users read it in problems and in print-config: `server.host`, `fsRoots.1`. */
export function dottedKey(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}
