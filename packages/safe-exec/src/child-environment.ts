/** The environment every child gets when the policy sets none: no secrets, a fixed system PATH. */
export const DEFAULT_CHILD_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/local/bin:/usr/bin:/bin',
  LC_ALL: 'C.UTF-8',
});

/**
 * Builds a child's environment from scratch: the named parent variables that exist, then the
 * policy's fixed values, then the command's. Nothing else from the parent is inherited.
 */
export function buildChildEnvironment(
  parent: NodeJS.ProcessEnv,
  inherit: readonly string[],
  set: Readonly<Record<string, string>>,
  commandEnv: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = Object.create(null);
  for (const name of inherit) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, set, commandEnv);
  return env;
}
