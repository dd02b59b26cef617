export {
  ERROR_META_KEY,
  type JsonRpcErrorObject,
  normalizeError,
  type ToolErrorResult,
  toJsonRpcError,
  toToolResult,
} from './error-mapping.js';
export {
  AuthenticationError,
  AuthorizationError,
  ConfigError,
  type ErrorKind,
  ExecError,
  FsError,
  InternalError,
  isWardenError,
  type JsonValue,
  RateLimitError,
  ValidationError,
  WardenError,
  type WardenErrorOptions,
} from './errors.js';
export {
  defaultLevel,
  type EventBase,
  type EventLevel,
  type EventOutcome,
  type EventPrincipal,
  type EventSink,
  fanOutSink,
  type MemorySink,
  memorySink,
  noopSink,
  type SecurityEvent,
  type SecurityEventInput,
  type SecurityEventMap,
  type SecurityEventType,
} from './events.js';
export {
  type Call,
  type CallKind,
  type CallOperation,
  type CallResult,
  type ContentBlock,
  composeGuards,
  type Guard,
  type Next,
  type PromptResult,
  type ResourceResult,
  type Terminal,
  type ToolResult,
} from './guard.js';
export { withParsedArguments } from './parsed-arguments.js';
export { type CallPolicy, type ResolvedPolicy, resolvePolicy, type ToolAnnotationsLike } from './policy.js';
export { type AuthInfoLike, type AuthMethod, type Principal, principalFromAuthInfo } from './principal.js';
export {
  getSecurityContext,
  type PolicyMap,
  type SecureServerOptions,
  secureMcpServer,
  type WardenBinding,
} from './sdk-v1-binding.js';
export {
  type CreateContextOptions,
  createSecurityContext,
  type HandlerExtraLike,
  type SecurityContext,
  type TransportKind,
} from './security-context.js';
export {
  type SessionOwner,
  type SessionOwnership,
  type SessionOwnershipOptions,
  sessionOwnerGuard,
  sessionOwnership,
} from './session-ownership.js';
export { visibleJson, visibleText } from './visible-text.js';
