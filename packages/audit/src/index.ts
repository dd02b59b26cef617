export {
  AUDIT_COMPONENT,
  type AuditSink,
  type AuditSinkOptions,
  type AuditStats,
  createAuditSink,
  DEFAULT_SYNC_TYPES,
} from './audit-sink.js';
export { type AuditPolicy, auditCalls } from './call-audit-guard.js';
export type { AuditStream } from './destination.js';
export { auditEventSchemas, auditLineSchema, type JsonSchema } from './event-schema.js';
export { chainHash, GENESIS_HASH, MIN_HMAC_KEY_BYTES } from './hash-chain.js';
export { REDACTED, type RedactionOptions } from './redaction.js';
export { DEFAULT_ROTATION_BYTES, type RotationOptions, rotatedFiles } from './rotation.js';
export {
  type ChainSummary,
  type VerifyFailure,
  type VerifyFailureReason,
  type VerifyOptions,
  type VerifyReport,
  verifyAuditLog,
} from './verify.js';
