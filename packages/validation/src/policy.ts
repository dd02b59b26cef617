import type { OutputOptions } from './output-sanitizer.js';
import type { StructureLimits } from './structure.js';

/** Per-tool (or resource, prompt) validation settings, next to the tool's other policy. */
export interface ValidationPolicy {
  /** Structural limits for this call's arguments, over the guard's. */
  readonly argumentLimits?: Partial<StructureLimits>;
  /** Output sanitising and caps for this call's results, over the guard's. */
  readonly output?: OutputOptions;
  /** Send this call's results unsanitised and uncapped. Default `false`. Warns. */
  readonly insecureRawOutput?: boolean;
}

declare module '@mcp-warden/core' {
  interface CallPolicy {
    /** `@mcp-warden/validation` settings for this call. */
    readonly validation?: ValidationPolicy;
  }
}
