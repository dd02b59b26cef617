import { createHash, X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** The identity a verified client certificate proves. */
export interface ClientCertificateIdentity {
  /** The subject DN, as OpenSSL prints it (one `key=value` per line joined by `, `). */
  readonly subject: string;
  readonly commonName: string | undefined;
  /** Subject alternative names, e.g. `DNS:agent.example`, `URI:spiffe://example.org/agent`. */
  readonly subjectAltNames: readonly string[];
  /** RFC 8705 `x5t#S256`: base64url SHA-256 of the DER certificate. */
  readonly thumbprintSha256: string;
  readonly issuer: string;
  readonly serialNumber: string;
  /** ISO 8601. */
  readonly validTo: string;
}

function splitAltNames(value: string | undefined): string[] {
  if (value === undefined || value.length === 0) return [];
  // Node prints `DNS:a, URI:b`; quoted values (with commas) are JSON strings.
  const out: string[] = [];
  const re = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const match of value.matchAll(re)) {
    const raw = match[2] ?? '';
    out.push(`${match[1]}:${raw.startsWith('"') ? (JSON.parse(raw) as string) : raw}`);
  }
  return out;
}

/** Reads the identity from a DER certificate. */
export function identityFromCertificate(der: Uint8Array): ClientCertificateIdentity {
  const cert = new X509Certificate(der);
  const subject = cert.subject.split('\n').join(', ');
  const commonName = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  return Object.freeze({
    subject,
    commonName,
    subjectAltNames: Object.freeze(splitAltNames(cert.subjectAltName)),
    thumbprintSha256: createHash('sha256').update(cert.raw).digest('base64url'),
    issuer: cert.issuer.split('\n').join(', '),
    serialNumber: cert.serialNumber,
    validTo: new Date(cert.validTo).toISOString(),
  });
}

/**
 * The identity of the client certificate on a TLS socket, only when the TLS layer verified it against
 * the configured CA (`socket.authorized`). `undefined` for plain sockets and unverified certificates.
 */
export function clientCertificateIdentity(socket: Socket): ClientCertificateIdentity | undefined {
  const tls = socket as Partial<TLSSocket>;
  if (typeof tls.getPeerCertificate !== 'function' || tls.authorized !== true) return undefined;
  const cert = tls.getPeerCertificate(false);
  if (cert === null || cert === undefined || cert.raw === undefined) return undefined;
  return identityFromCertificate(cert.raw);
}
