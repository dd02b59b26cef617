import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TLSSocket, TlsOptions, Server as TlsServer } from 'node:tls';
import { ConfigError } from '@mcp-warden/core';

/** How client certificates are treated. */
export type ClientCertificateMode = 'none' | 'optional' | 'require';

/** Options of {@link createTlsServerOptions}. */
export interface TlsFilesOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA bundle client certificates must chain to. Required for `optional` / `require`. */
  readonly caFile?: string;
  readonly passphrase?: string;
  /** Default `none`. `optional`: unverified certificates are refused at the handshake too. */
  readonly clientCertificates?: ClientCertificateMode;
  /** Default `TLSv1.2` (1.3 is negotiated when the client has it). Nothing lower is allowed. */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** The clock, ms since the epoch (certificate validity checks). Default `Date.now`. */
  readonly now?: () => number;
}

/** Validated TLS material and server options, with reload. */
export interface TlsServerConfig {
  /** Pass to `https.createServer(options, …)` / `tls.createServer`. */
  readonly options: TlsOptions;
  /** The server certificate's `notAfter`, ISO 8601. */
  readonly certificateExpiresAt: string;
  /**
   * Re-reads and re-validates the files; on success installs them on `server` with `setSecureContext`
   * (new connections use them, open ones keep theirs). On failure throws and keeps the old ones.
   */
  reload(server?: Pick<TlsServer, 'setSecureContext'>): TlsOptions;
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (cause) {
    throw new ConfigError('ERR_TLS_FILE_UNREADABLE', `the TLS ${what} file could not be read`, {
      detail: { file },
      cause,
    });
  }
}

function load(input: TlsFilesOptions): { options: TlsOptions; expiresAt: string } {
  const mode = input.clientCertificates ?? 'none';
  if (mode !== 'none' && mode !== 'optional' && mode !== 'require') {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'clientCertificates must be none, optional or require');
  }
  const minVersion = input.minVersion ?? 'TLSv1.2';
  if (minVersion !== 'TLSv1.2' && minVersion !== 'TLSv1.3') {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', 'minVersion must be TLSv1.2 or TLSv1.3');
  }
  if (mode !== 'none' && input.caFile === undefined) {
    throw new ConfigError('ERR_AUTH_CONFIG_INVALID', `clientCertificates "${mode}" needs caFile`);
  }
  const cert = read(input.certFile, 'certificate');
  const key = read(input.keyFile, 'key');
  const ca = input.caFile === undefined ? undefined : read(input.caFile, 'CA');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (cause) {
    throw new ConfigError('ERR_TLS_CERT_INVALID', 'the TLS certificate is not a valid PEM certificate', {
      detail: { file: input.certFile },
      cause,
    });
  }
  const now = (input.now ?? Date.now)();
  if (Date.parse(leaf.validTo) <= now) {
    throw new ConfigError(
      'ERR_TLS_CERT_EXPIRED',
      `the TLS certificate expired on ${new Date(leaf.validTo).toISOString()}`,
      {
        detail: { file: input.certFile, validTo: leaf.validTo },
      },
    );
  }
  if (Date.parse(leaf.validFrom) > now) {
    throw new ConfigError(
      'ERR_TLS_CERT_NOT_YET_VALID',
      `the TLS certificate is valid only from ${new Date(leaf.validFrom).toISOString()}`,
      {
        detail: { file: input.certFile, validFrom: leaf.validFrom },
      },
    );
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(
      input.passphrase === undefined ? key : { key, passphrase: input.passphrase },
    );
  } catch (cause) {
    throw new ConfigError('ERR_TLS_KEY_INVALID', 'the TLS private key could not be read', {
      detail: { file: input.keyFile },
      cause,
    });
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError('ERR_TLS_KEY_MISMATCH', 'the TLS private key does not match the certificate', {
      detail: { certFile: input.certFile, keyFile: input.keyFile },
    });
  }
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch (cause) {
      throw new ConfigError('ERR_TLS_CERT_INVALID', 'the CA file is not a valid PEM certificate', {
        detail: { file: input.caFile },
        cause,
      });
    }
  }
  return {
    expiresAt: new Date(leaf.validTo).toISOString(),
    options: {
      cert,
      key,
      ...(input.passphrase === undefined ? {} : { passphrase: input.passphrase }),
      ...(ca === undefined ? {} : { ca }),
      minVersion,
      // `optional` lets a client without a certificate through the handshake; `hardenTlsServer` then
      // drops any connection that presented a certificate the CA does not vouch for.
      requestCert: mode !== 'none',
      rejectUnauthorized: mode === 'require',
      honorCipherOrder: true,
    },
  };
}

/**
 * Validates certificate, key and CA files at start-up (clear errors for expired, not-yet-valid,
 * mismatched or unreadable material) and returns hardened TLS server options: TLS 1.2 minimum,
 * client certificates none/optional/require against the CA. Hostname checks stay on everywhere.
 */
export function createTlsServerOptions(input: TlsFilesOptions): TlsServerConfig {
  let current = load(input);
  return {
    get options() {
      return current.options;
    },
    get certificateExpiresAt() {
      return current.expiresAt;
    },
    reload(server) {
      const next = load(input);
      server?.setSecureContext(next.options);
      current = next;
      return next.options;
    },
  };
}

/**
 * Hardens every connection of `server`: turns off TLS renegotiation (TLS 1.3 has none; this closes the
 * TLS 1.2 client-initiated renegotiation DoS) and, for `optional` client certificates, drops a
 * connection whose presented certificate did not verify against the CA.
 */
export function hardenTlsServer(
  server: Pick<TlsServer, 'on'>,
  options: { readonly clientCertificates?: ClientCertificateMode } = {},
): void {
  server.on('secureConnection', (socket: TLSSocket) => {
    socket.disableRenegotiation();
    if (options.clientCertificates === 'optional' && !socket.authorized) {
      const presented = socket.getPeerCertificate(false);
      if (presented !== null && presented !== undefined && Object.keys(presented).length > 0)
        socket.destroy();
    }
  });
}
