/** How a principal proved who it is. */
export type AuthMethod = 'bearer' | 'dpop' | 'mtls' | 'api_key' | 'environment' | 'none';

/** Who is calling. Never holds the credential itself. */
export interface Principal {
  /** The stable subject (JWT `sub`, API key id, certificate subject). */
  readonly subject: string;
  /** Granted scopes, exact strings. */
  readonly scopes: readonly string[];
  /** The OAuth client id, when there is one. */
  readonly clientId?: string;
  /** How the principal authenticated. */
  readonly method: AuthMethod;
  /** When the credential expires, seconds since the epoch. */
  readonly expiresAt?: number;
  /** The resource (audience) the credential was issued for. */
  readonly resource?: string;
}

/**
 * The subset of the MCP SDK's `AuthInfo` that a principal is built from. Auth middleware puts
 * `subject`, `authMethod` and `remoteAddress` into `extra`; the token is never copied.
 */
export interface AuthInfoLike {
  readonly token?: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAt?: number | undefined;
  readonly resource?: URL | undefined;
  readonly extra?: Readonly<Record<string, unknown>> | undefined;
}

const AUTH_METHODS: ReadonlySet<string> = new Set<AuthMethod>([
  'bearer',
  'dpop',
  'mtls',
  'api_key',
  'environment',
  'none',
]);

/** Builds a frozen {@link Principal} from the SDK's `extra.authInfo`; `undefined` when there is none. */
export function principalFromAuthInfo(authInfo: AuthInfoLike | undefined): Principal | undefined {
  if (authInfo === undefined) return undefined;
  const extra = authInfo.extra ?? {};
  const subject = typeof extra.subject === 'string' ? extra.subject : authInfo.clientId;
  const method =
    typeof extra.authMethod === 'string' && AUTH_METHODS.has(extra.authMethod)
      ? (extra.authMethod as AuthMethod)
      : 'bearer';
  const principal: { -readonly [K in keyof Principal]: Principal[K] } = {
    subject,
    scopes: Object.freeze([...authInfo.scopes]),
    method,
  };
  if (authInfo.clientId) principal.clientId = authInfo.clientId;
  if (authInfo.expiresAt !== undefined) principal.expiresAt = authInfo.expiresAt;
  if (authInfo.resource !== undefined) principal.resource = authInfo.resource.href;
  // Frozen: a handler that changed it would change what later guards and the audit log see.
  return Object.freeze(principal);
}
