export {
  createJwtVerifier,
  type JwtVerifier,
  type JwtVerifierOptions,
  type Presentation,
  type TokenBinding,
  type TypMode,
  type VerifiedToken,
} from './jwt-verifier.js';
export {
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
  type HmacSecretSource,
  isAsymmetricAlgorithm,
  isHmacAlgorithm,
  type JwksUriSource,
  type JwsAlgorithm,
  type KeySource,
  type LocalJwksSource,
  type PublicKeySource,
} from './key-sources.js';
export {
  createScopeHierarchy,
  isScopeToken,
  type ScopeHierarchy,
  type ScopeImplications,
  scopesFromClaims,
} from './scopes.js';
export { TokenCache, type TokenCacheOptions, tokenCacheKey } from './token-cache.js';
export {
  insufficientScopeError,
  mapVerificationError,
  TOKEN_ERROR_MESSAGES,
  type TokenErrorCode,
  tokenError,
} from './token-errors.js';
