export { runApiKeyCli } from './api-key-cli.js';
export {
  API_KEY_ID_LENGTH,
  API_KEY_SECRET_LENGTH,
  apiKeyPattern,
  assertApiKeyPrefix,
  generateApiKeyString,
  hashApiKey,
  type ParsedApiKey,
  parseApiKey,
} from './api-key-format.js';
export {
  type ApiKeyRecord,
  type ApiKeyStore,
  type ApiKeyVerifier,
  type ApiKeyVerifierOptions,
  createApiKeyVerifier,
  type MemoryApiKeyStore,
  type MintApiKeyOptions,
  memoryApiKeyStore,
  mintApiKey,
  type VerifiedApiKey,
} from './api-keys.js';
export { extractCredential, type HeaderValue, type PresentedCredential } from './bearer-token.js';
export {
  type ClientCertificateIdentity,
  clientCertificateIdentity,
  identityFromCertificate,
} from './client-certificate.js';
export { type DevToken, type DevTokenOptions, mintDevToken } from './dev-token.js';
export { runDevTokenCli } from './dev-token-cli.js';
export { checkDnsRebinding, type DnsRebindingOptions, isLoopbackAddress } from './dns-rebinding.js';
export {
  createDpopVerifier,
  type DpopOptions,
  type DpopRequest,
  type DpopVerifier,
  type VerifiedDpopProof,
} from './dpop.js';
export {
  type MemoryReplayCache,
  type MemoryReplayCacheOptions,
  memoryReplayCache,
  type ReplayCache,
} from './dpop-replay-cache.js';
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
  type IssuerMetadataSource,
  isAsymmetricAlgorithm,
  isHmacAlgorithm,
  type JwksUriSource,
  type JwsAlgorithm,
  type KeySource,
  type LocalJwksSource,
  type PublicKeySource,
  type RemoteFetchOptions,
} from './key-sources.js';
export {
  type AuthRequest,
  authenticateNodeRequest,
  type NodeAuthMiddlewareOptions,
  nodeAuthMiddleware,
} from './node-middleware.js';
export {
  metadataUrlFor,
  type ProtectedResourceMetadata,
  type ProtectedResourceMetadataOptions,
  protectedResourceMetadata,
} from './protected-resource-metadata.js';
export {
  createResourceServer,
  type HttpAuthenticated,
  type HttpAuthResult,
  type HttpDenial,
  type HttpRequestLike,
  type ResourceServer,
  type ResourceServerOptions,
  type WardenAuthInfo,
} from './resource-server.js';
export { type RequireScopesOptions, requireScopes, toHierarchy } from './scope-guard.js';
export {
  createScopeHierarchy,
  isScopeToken,
  type ScopeHierarchy,
  type ScopeImplications,
  scopesFromClaims,
} from './scopes.js';
export { sdkTokenVerifier, type TokenVerifierLike } from './sdk-token-verifier.js';
export {
  type ClientCertificateMode,
  createTlsServerOptions,
  hardenTlsServer,
  type TlsFilesOptions,
  type TlsServerConfig,
} from './tls-server-options.js';
export { TokenCache, type TokenCacheOptions, tokenCacheKey } from './token-cache.js';
export {
  insufficientScopeError,
  mapVerificationError,
  TOKEN_ERROR_MESSAGES,
  type TokenErrorCode,
  tokenError,
} from './token-errors.js';
export { scopesForBody, type ToolScopes } from './tool-scopes.js';
export {
  type BearerChallenge,
  type BearerErrorCode,
  describeError,
  ERROR_DESCRIPTIONS,
  formatChallenge,
} from './www-authenticate.js';
