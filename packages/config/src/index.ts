export { type Coerced, coerce, parseBoolean, parseNumber, splitList } from './coercion.js';
export { type DeepReadonly, deepFreeze } from './deep-freeze.js';
export { type ExitOptions, loadConfigOrExit } from './exit-on-invalid.js';
export {
  commaList,
  type FileCheck,
  type ListDelimiter,
  pathList,
  readableFile,
  secretFile,
} from './field-markers.js';
export { envNameOf, flagNameOf } from './key-names.js';
export {
  type ConfigEntry,
  type Evaluation,
  evaluateConfig,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
} from './load-config.js';
export {
  effectiveJwtAlgorithms,
  isLoopbackHost,
  JWT_ALGORITHMS,
  type JwtAlgorithm,
  loadMcpServerConfig,
  MCP_SERVER_RELOADABLE_KEYS,
  type McpServerConfig,
  type McpServerShape,
  mcpServerRuleIssues,
  mcpServerSchema,
  mcpServerWarnings,
} from './mcp-server-schema.js';
export { type PrintConfigOptions, printConfig } from './print-config.js';
export { type ConfigProblem, configInvalidError, formatProblems, problemsOf } from './problems.js';
export { type ConfigWatcher, type ReloadOutcome, type WatchConfigOptions, watchConfig } from './reload.js';
export { isSecret, REDACTED, Secret, secret } from './secret.js';
