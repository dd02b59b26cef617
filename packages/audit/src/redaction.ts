import { ConfigError } from '@mcp-warden/core';

/** What replaces a secret value in the log. */
export const REDACTED = '[REDACTED]';

/** Options for what the audit log treats as secret and how much of a value it keeps. */
export interface RedactionOptions {
  /**
   * Extra key names whose values are always replaced by `[REDACTED]` (compared case-insensitively,
   * ignoring `-`, `_` and spaces), on top of the built-in list (passwords, tokens, API keys,
   * `Authorization`, cookies, private keys, signatures, …). Default: none.
   */
  readonly keys?: readonly string[];
  /**
   * Object paths whose values are replaced, pino-style dot paths with `*` for one segment, counted
   * from the event: `arguments.ssn`, `detail.*.card`. Default: none.
   */
  readonly paths?: readonly string[];
  /** Exact secret values (e.g. from your config) scrubbed wherever they appear in a string. Default: none. */
  readonly secrets?: readonly string[];
  /** Longest string kept, in UTF-16 units; longer ones are cut and marked. Default: 1024. */
  readonly maxStringLength?: number;
  /** Deepest nesting kept below an event field. Default: 6. */
  readonly maxDepth?: number;
  /** Most keys kept per object. Default: 64. */
  readonly maxKeys?: number;
  /** Most items kept per array. Default: 64. */
  readonly maxArrayLength?: number;
  /** Rough cap on one line's length; past it every further string is cut short. Default: 16384. */
  readonly maxLineLength?: number;
  /** Keep error stacks (they can name host paths). Default: false. */
  readonly includeStacks?: boolean;
}

/** {@link RedactionOptions} with every default applied. */
export interface ResolvedRedaction {
  readonly keyPattern: RegExp;
  readonly extraKeys: ReadonlySet<string>;
  readonly paths: readonly (readonly string[])[];
  readonly secrets: readonly string[];
  readonly maxStringLength: number;
  readonly maxDepth: number;
  readonly maxKeys: number;
  readonly maxArrayLength: number;
  readonly maxLineLength: number;
  readonly includeStacks: boolean;
}

/**
 * Key names (normalized: lower case, no `-`/`_`/space) that hold secrets. Substring match, so
 * `x-api-key`, `clientSecret`, `refresh_token`, `Set-Cookie`, `dbPassword` are all caught.
 */
const SECRET_KEY =
  /password|passwd|passphrase|secret|token|apikey|authorization|cookie|credential|privatekey|bearer|signature|jwt|accesskey|sessionkey|sessionid|accountkey|encryptionkey|signingkey|masterkey|^auth$|^pwd$|^pass$|^sig$|^otp$|^pin$|^cvv$|^ssn$/;

/**
 * Names that contain a weak secret word (`token`, `key`, `auth`) but name a count, kind, id or
 * address, not the secret: `maxTokens`, `tokenType`, `apiKeyId`, `authorizationUrl`. Their values are
 * still scrubbed as text.
 */
const NOT_SECRET_KEY =
  /(?:count|limit|type|types|expiresat|expiresin|expiry|endpoint|url|uri|length|usage|id|ids|name|method|scheme)$|^(?:max|min|num|total|prompt|completion|input|output|cached)tokens?$/;

/** Words that make a key secret whatever it ends with. */
const STRONG_SECRET_KEY = /password|passwd|passphrase|secret|cookie|privatekey|credential|sessionid/;

/** Secret-shaped substrings inside free text, each with the part that is kept. */
const VALUE_PATTERNS: readonly (readonly [RegExp, string])[] = [
  // `Authorization: Bearer x`, `Basic x`, `token x` in free text.
  // (a credential has a digit or symbol, or is long: `Bearer authentication failed` stays readable).
  [
    /\b(bearer|basic|digest|dpop)(\s+)(?:(?=[A-Za-z0-9._~+/=:-]*[0-9._~+/=:-])[A-Za-z0-9._~+/=:-]{6,}|[A-Za-z]{20,})/gi,
    `$1$2${REDACTED}`,
  ],
  // JSON Web Tokens (and JWS/JWE compact forms): `eyJ….`.
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*){0,3}/g, REDACTED],
  // PEM private keys.
  [
    /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    REDACTED,
  ],
  // Well-known API key formats (GitHub, GitLab, Slack, AWS, Google, OpenAI/Anthropic/Stripe `sk-`/`sk_`,
  // Stripe webhook secrets, npm, Hugging Face, Google OAuth access tokens, SendGrid).
  [
    /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,}|xox[abposre]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{16,}|(?:AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|(?:sk|rk|pk)[-_](?:live[-_]|test[-_]|ant-|proj-)?[A-Za-z0-9_-]{16,}|whsec_[A-Za-z0-9+/=]{20,}|npm_[A-Za-z0-9]{30,}|hf_[A-Za-z0-9]{30,}|ya29\.[A-Za-z0-9_-]{20,}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,})/g,
    REDACTED,
  ],
  // Webhook URLs whose path is the credential (Slack, Discord).
  [
    /\b(hooks\.slack\.com\/(?:services|workflows|triggers)\/|discord(?:app)?\.com\/api\/webhooks\/)[A-Za-z0-9_/-]{8,}/gi,
    `$1${REDACTED}`,
  ],
  // Passwords in URLs: `scheme://user:pass@host` (a raw `@` in the password included).
  [/(\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s/:@]{0,256}:)[^\s/?#]{1,512}@/gi, `$1${REDACTED}@`],
  // `?key=`, `&code=` only in a query (elsewhere these names are ordinary words).
  [/([?&])(key|code|sig|auth)=[^&\s#]+/gi, `$1$2=${REDACTED}`],
  // Credential-bearing HTTP headers quoted in text (`Cookie: sid=…`), up to the end of the line.
  [
    /\b((?:proxy-)?authorization|(?:set-)?cookie|x-api-key|api-key|x-auth-token|x-access-token)(\s*:\s*)[^\r\n]+/gi,
    `$1$2${REDACTED}`,
  ],
  // `password: x` in messages, and `"token":"x"` in JSON embedded in a string.
  [
    /\b(password|passwd|pwd|passphrase|secret|api[-_ ]?key)(\s*:\s*)(?!\[REDACTED\])[^\s"']+/gi,
    `$1$2${REDACTED}`,
  ],
];

/** A `"key": "value"` pair; bounded key length keeps matching linear. */
const EMBEDDED_JSON_PAIR = /"([A-Za-z0-9_.-]{1,64})"(\s*:\s*)"(?:[^"\\]|\\.)*"/g;

/**
 * `name=value` and `name: value` in free text (env dumps, query strings and fragments, connection
 * strings, Python reprs, config lines), with the name optionally quoted and the value bare or quoted,
 * and `--name value` flags; judged by the same key rules as object keys, so `DB_PASSWORD=`,
 * `#access_token=`, `'password': '…'`, `X-Amz-Signature=`, `AccountKey=` are caught and `page=2`,
 * `max_tokens=100` are kept. Names, quoted and bare values are bounded, so matching stays linear.
 */
const SECRET_PAIR =
  /(^|[^\w.])(["']?)([A-Za-z][\w.-]{0,63})\2([ \t]*[=:][ \t]*)(?!\[REDACTED\])("[^"\r\n]{0,256}"|'[^'\r\n]{0,256}'|[^\s&#;,"'<>]{1,256})/g;

/** A `--name value` command-line flag in text; the value is judged by the flag's name. */
const SECRET_FLAG = /(^|\s)(--?[A-Za-z][\w.-]{0,63})([ \t]+)(?![-"'[])([^\s"'<>]{1,256})/g;

/**
 * Secret-shaped names that are also ordinary words in prose (`token: expired`, `signature: invalid`):
 * after a colon their value is kept; after `=` (an assignment) it is not.
 */
const PROSE_WORD = /^(?:token|tokens|signature|sig|auth|bearer|jwt|authorization|cookie)$/;

/** A quick test that a string may hold one of {@link VALUE_PATTERNS}; most strings fail it at once. */
const MAYBE_SECRET =
  /bearer|basic|digest|dpop|token|eyJ|PRIVATE KEY|gh[pousr]_|github_pat_|glpat-|xox|xapp-|AKIA|ASIA|AIza|[srp]k[-_]|whsec_|npm_|hf_|ya29\.|SG\.|hooks\.slack|webhooks|:\/\/[^\s/]*@|=|pass|pwd|secret|key|auth|cookie|credential|signature|\b(?:pin|otp|ssn|cvv)\b/i;

const normalizeKey = (key: string): string => key.toLowerCase().replace(/[-_\s]/g, '');

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError('ERR_AUDIT_INVALID_OPTION', `audit option ${name} must be a positive integer`, {
      detail: { option: name, value },
    });
  }
  return value;
}

/** Applies the defaults of {@link RedactionOptions}; throws `ERR_AUDIT_INVALID_OPTION` on a bad limit. */
export function resolveRedaction(options: RedactionOptions = {}): ResolvedRedaction {
  return {
    keyPattern: SECRET_KEY,
    extraKeys: new Set((options.keys ?? []).map(normalizeKey)),
    paths: (options.paths ?? []).map((path) => path.split('.')),
    secrets: (options.secrets ?? []).filter((secret) => secret.length > 0),
    maxStringLength: positiveInteger('maxStringLength', options.maxStringLength, 1024),
    maxDepth: positiveInteger('maxDepth', options.maxDepth, 6),
    maxKeys: positiveInteger('maxKeys', options.maxKeys, 64),
    maxArrayLength: positiveInteger('maxArrayLength', options.maxArrayLength, 64),
    maxLineLength: positiveInteger('maxLineLength', options.maxLineLength, 16_384),
    includeStacks: options.includeStacks ?? false,
  };
}

/** True when a value under this key name is secret. */
export function isSecretKey(key: string, redaction: ResolvedRedaction): boolean {
  const normalized = normalizeKey(key);
  if (redaction.extraKeys.has(normalized)) return true;
  if (!redaction.keyPattern.test(normalized)) return false;
  return STRONG_SECRET_KEY.test(normalized) || !NOT_SECRET_KEY.test(normalized);
}

/** Replaces secret-shaped parts of free text (tokens, JWTs, keys, URL passwords, configured secrets). */
export function scrubText(text: string, redaction: ResolvedRedaction): string {
  let result = text;
  for (const secret of redaction.secrets) {
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  if (!MAYBE_SECRET.test(result)) return result;
  for (const [pattern, replacement] of VALUE_PATTERNS) {
    result = result.replace(pattern, replacement);
  }
  if (result.includes('=') || result.includes(':')) result = scrubPairs(result, redaction);
  if (result.includes(' -') || result.charCodeAt(0) === 45) {
    result = result.replace(SECRET_FLAG, (flag: string, before: string, name: string, space: string) =>
      isSecretKey(name, redaction) ? `${before}${name}${space}${REDACTED}` : flag,
    );
  }
  // `"name":"value"` pairs of JSON inside a string, judged by the same key rules as objects.
  if (result.includes('":')) {
    result = result.replace(EMBEDDED_JSON_PAIR, (pair: string, name: string, separator: string) =>
      isSecretKey(name, redaction) ? `"${name}"${separator}"${REDACTED}"` : pair,
    );
  }
  return result;
}

/**
 * Replaces the values of secret-named {@link SECRET_PAIR}s. When a name is not secret, its value is
 * scanned again (it may hold a pair itself: `url=https://h/?token=x`, `https://…?access_token=x`).
 */
function scrubPairs(text: string, redaction: ResolvedRedaction): string {
  let out = '';
  let last = 0;
  SECRET_PAIR.lastIndex = 0;
  for (let match = SECRET_PAIR.exec(text); match !== null; match = SECRET_PAIR.exec(text)) {
    const [pair, before = '', quote = '', name = '', separator = '', value = ''] = match;
    const secret =
      isSecretKey(name, redaction) && (separator.includes('=') || !PROSE_WORD.test(normalizeKey(name)));
    if (!secret) {
      SECRET_PAIR.lastIndex = match.index + pair.length - value.length;
      continue;
    }
    const open = value[0] === '"' || value[0] === "'" ? value[0] : '';
    out += `${text.slice(last, match.index)}${before}${quote}${name}${quote}${separator}${open}${REDACTED}${open}`;
    last = match.index + pair.length;
  }
  return last === 0 ? text : out + text.slice(last);
}
