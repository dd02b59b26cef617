import { createHash } from 'node:crypto';
import { ConfigError } from '@mcp-warden/core';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import type { ReplayCache } from './dpop-replay-cache.js';
import { type AsymmetricAlgorithm, isAsymmetricAlgorithm } from './key-sources.js';
import { tokenError } from './token-errors.js';

/** Options of {@link createDpopVerifier}. */
export interface DpopOptions {
  /** Where proof `jti`s are remembered. Required (use `memoryReplayCache()` for one process). */
  readonly replayCache: ReplayCache;
  /** Accepted proof algorithms. Default `['ES256', 'EdDSA', 'RS256', 'PS256']`. */
  readonly algorithms?: readonly AsymmetricAlgorithm[];
  /** How old a proof's `iat` may be, seconds. Default 60. */
  readonly maxAgeSec?: number;
  /** Clock skew for `iat`, seconds. Default 5. */
  readonly clockToleranceSec?: number;
  /** Longest accepted proof, bytes. Default 4096. */
  readonly maxProofBytes?: number;
  readonly now?: () => number;
}

/** What the request must match. */
export interface DpopRequest {
  readonly method: string;
  /** The absolute request URL; query and fragment are ignored. */
  readonly url: string | URL;
  /** The access token the proof accompanies (checked against `ath`). */
  readonly accessToken?: string;
}

/** A verified proof. */
export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key: compare with the token's `cnf.jkt`. */
  readonly jkt: string;
  readonly jti: string;
}

/** Verifies DPoP proofs (RFC 9449 §4.3). */
export interface DpopVerifier {
  readonly algorithms: readonly string[];
  verify(proof: string, request: DpopRequest): Promise<VerifiedDpopProof>;
}

const DEFAULT_ALGS: readonly AsymmetricAlgorithm[] = ['ES256', 'EdDSA', 'RS256', 'PS256'];
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function htuOf(url: string | URL): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function invalid(reason: string, cause?: unknown): never {
  throw tokenError('ERR_DPOP_PROOF_INVALID', {
    detail: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Creates a DPoP proof verifier: `typ: dpop+jwt`, an allowed asymmetric `alg`, a public `jwk` in the
 * header that signs the proof, `htm`/`htu` equal to the request, a fresh `iat`, a `jti` never seen
 * before (replay cache), and `ath` = SHA-256 of the access token.
 */
export function createDpopVerifier(options: DpopOptions): DpopVerifier {
  if (options.replayCache === undefined) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'DPoP needs a replay cache');
  }
  const algorithms = [...(options.algorithms ?? DEFAULT_ALGS)];
  if (algorithms.length === 0 || !algorithms.every((alg) => isAsymmetricAlgorithm(alg))) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'DPoP algorithms must be asymmetric');
  }
  const maxAge = options.maxAgeSec ?? 60;
  const tolerance = options.clockToleranceSec ?? 5;
  const maxBytes = options.maxProofBytes ?? 4096;
  const now = options.now ?? Date.now;
  return {
    algorithms: Object.freeze(algorithms),
    async verify(proof, request) {
      if (typeof proof !== 'string' || proof.length === 0 || proof.length > maxBytes) invalid('size');
      const parts = proof.split('.');
      if (parts.length !== 3) invalid('not a compact JWS');
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch (cause) {
        return invalid('header', cause);
      }
      if (typeof header !== 'object' || header === null) invalid('header');
      if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'dpop+jwt') invalid('typ');
      if (typeof header.alg !== 'string' || !algorithms.includes(header.alg as AsymmetricAlgorithm))
        invalid('alg');
      const jwk = header.jwk as JWK | undefined;
      if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) invalid('jwk');
      if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) invalid('jwk has private parts');
      const nowMs = now();
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
          algorithms,
          typ: 'dpop+jwt',
          requiredClaims: ['jti', 'htm', 'htu', 'iat'],
          maxTokenAge: maxAge,
          clockTolerance: tolerance,
          currentDate: new Date(nowMs),
        }));
      } catch (cause) {
        return invalid('signature or claims', cause);
      }
      const { jti, htm, htu, ath } = payload;
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) invalid('jti');
      if (htm !== request.method) invalid('htm');
      let htuMatches = false;
      try {
        htuMatches = typeof htu === 'string' && htuOf(htu) === htuOf(request.url);
      } catch {
        htuMatches = false;
      }
      if (!htuMatches) invalid('htu');
      if (request.accessToken !== undefined) {
        const expected = createHash('sha256').update(request.accessToken).digest('base64url');
        if (ath !== expected) invalid('ath');
      }
      const jkt = await calculateJwkThumbprint(jwk, 'sha256');
      const expiresAtMs = ((payload.iat as number) + maxAge + tolerance) * 1000;
      let fresh: boolean;
      try {
        fresh = await options.replayCache.claim(`${jkt}:${jti}`, Math.max(expiresAtMs, nowMs + 1000));
      } catch (cause) {
        // Fail closed when the cache is full or unreachable.
        return invalid('replay cache unavailable', cause);
      }
      if (!fresh) throw tokenError('ERR_DPOP_REPLAY', { detail: { jkt } });
      return { jkt, jti: jti as string };
    },
  };
}
