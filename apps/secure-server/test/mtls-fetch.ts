import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { Readable } from 'node:stream';

/** A `fetch` over node:https presenting a client certificate (global fetch cannot), for the SDK's transport. */
export function mtlsFetch(options: { ca: string; cert?: string; key?: string }): typeof fetch {
  const tls = {
    ca: readFileSync(options.ca),
    ...(options.cert === undefined ? {} : { cert: readFileSync(options.cert) }),
    ...(options.key === undefined ? {} : { key: readFileSync(options.key) }),
  };
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body = typeof init.body === 'string' ? init.body : undefined;
    return new Promise<Response>((resolve, reject) => {
      const req = request(url, { method: init.method ?? 'GET', headers, ...tls }, (res) => {
        const status = res.statusCode ?? 500;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        const nullBody = status === 204 || status === 304 || (init.method ?? 'GET') === 'HEAD';
        if (nullBody) res.resume();
        resolve(
          new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
            status,
            headers: responseHeaders,
          }),
        );
      });
      req.on('error', reject);
      init.signal?.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
      req.end(body);
    });
  }) as typeof fetch;
}
