import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Sends one HTTP/1.1 request over a real loopback socket with exactly the given header lines
 * (duplicates and any Host allowed), and reads the whole response.
 */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: readonly (readonly [string, string])[],
  body?: string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const lines = [`${method} ${path} HTTP/1.1`];
    const names = headers.map(([name]) => name.toLowerCase());
    if (!names.includes('host')) lines.push(`Host: 127.0.0.1:${port}`);
    for (const [name, value] of headers) lines.push(`${name}: ${value}`);
    if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    lines.push('Connection: close', '', body ?? '');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split).split('\r\n');
      const status = Number(head[0]?.split(' ')[1]);
      const out: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        out[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let rest = text.slice(split + 4);
      if (out['transfer-encoding'] === 'chunked') {
        let decoded = '';
        while (rest.length > 0) {
          const eol = rest.indexOf('\r\n');
          const size = Number.parseInt(rest.slice(0, eol), 16);
          if (!size) break;
          decoded += rest.slice(eol + 2, eol + 2 + size);
          rest = rest.slice(eol + 2 + size + 2);
        }
        rest = decoded;
      }
      resolve({ status, headers: out, body: rest });
    });
    socket.write(lines.join('\r\n'));
  });
}
