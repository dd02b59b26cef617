import type { Presentation } from './jwt-verifier.js';
import type { ResourceServer, WardenAuthInfo } from './resource-server.js';

/** The SDK's `OAuthTokenVerifier`, structurally. */
export interface TokenVerifierLike {
  verifyAccessToken(token: string): Promise<WardenAuthInfo>;
}

type SdkErrors = typeof import('@modelcontextprotocol/sdk/server/auth/errors.js');
let sdkErrors: Promise<SdkErrors> | undefined;

/**
 * The SDK's `OAuthTokenVerifier` for `requireBearerAuth`: failures become the SDK's `InvalidTokenError`
 * (so it answers 401, never 500) carrying our fixed public message; `resource` is filled so the SDK's
 * `expectedResource` check passes only for our audience.
 */
export function sdkTokenVerifier(server: ResourceServer, presentation?: Presentation): TokenVerifierLike {
  return {
    async verifyAccessToken(token) {
      try {
        return await server.verifyToken(token, presentation);
      } catch (error) {
        sdkErrors ??= import('@modelcontextprotocol/sdk/server/auth/errors.js');
        const { InvalidTokenError } = await sdkErrors;
        const code = (error as { code?: unknown }).code;
        throw new InvalidTokenError(typeof code === 'string' ? code : 'ERR_TOKEN_INVALID');
      }
    },
  };
}
