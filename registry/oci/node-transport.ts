/**
 * The OCI client's HTTP transport on node:http(s). Node's global `fetch` cannot be given a CA
 * without an undici dispatcher (and undici is not a dependency), so every registry request goes
 * through node:http(s) instead, where `ca` is a plain request option: a registry served with a
 * private CA (`Registry.spec.caBundle`) is verified against exactly that CA.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/**
 * Keep-alive connection pools shared by every client, so concurrent layers and successive copies
 * reuse sockets. Idle sockets are closed after 4 s (before typical server and proxy idle timeouts,
 * so a reused socket is not one the server already dropped). The https pool keys sockets by `ca`
 * too, so clients trusting different CAs never share a connection.
 */
const AGENT_OPTIONS = {
  keepAlive: true,
  maxSockets: 32,
  timeout: 4000,
  // 1 MiB socket write buffers: a piped blob body pauses for backpressure a few times per layer
  // instead of after nearly every 64 KiB read (hundreds of pause/drain cycles per 8 MiB)
  writableHighWaterMark: 1 << 20,
};
const AGENTS = { http: new HttpAgent(AGENT_OPTIONS), https: new HttpsAgent(AGENT_OPTIONS) };

/** Redirects followed by one request. */
export const MAX_REDIRECTS = 5;

/** A response whose body is a Node stream (the streamed blob path). */
export interface StreamedResponse {
  status: number;
  headers: Headers;
  body: Readable;
  /** Tears the exchange down: the request body (if still being sent), the socket, the response. */
  abort(): void;
}

/** Web `Headers` of a node:http response. */
function headersOf(res: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
  }
  return h;
}

/**
 * One node:http(s) exchange on the shared keep-alive agents; `body` is piped into the request
 * (backpressure-aware) and a failing body aborts it. `ca` (PEM) replaces the default trust store
 * for https URLs. Resolves on the response headers, which may arrive before the body is sent (an
 * early refusal); the caller then calls `abort`.
 */
export function nodeExchange(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body?: Readable,
  ca?: string,
): Promise<StreamedResponse> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const req = https
      ? httpsRequest(url, { method, headers, agent: AGENTS.https, ...(ca ? { ca } : {}) })
      : httpRequest(url, { method, headers, agent: AGENTS.http });
    const abort = (): void => {
      body?.unpipe(req);
      body?.destroy();
      req.destroy();
    };
    req.once('response', (res) => {
      resolve({ status: res.statusCode ?? 0, headers: headersOf(res), body: res, abort });
    });
    req.on('error', reject);
    if (body === undefined) {
      req.end();
      return;
    }
    body.on('error', (err) => req.destroy(err));
    body.pipe(req);
  });
}

/**
 * One exchange whose bodies are Node streams: node:http(s) with `via.ca` on the shared keep-alive
 * agents, or `via.fetch` (unit tests) adapted to streams. Body-less requests follow redirects
 * (blob GETs are often redirected to object storage), dropping Authorization off the origin.
 */
export async function streamExchange(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: Readable | undefined,
  via: { fetch?: typeof fetch; ca?: string },
): Promise<StreamedResponse> {
  if (via.fetch) {
    const res = await via.fetch(url, {
      method,
      headers,
      redirect: 'follow',
      ...(body ? { body: Readable.toWeb(body) as ReadableStream, duplex: 'half' } : {}),
    });
    const out = res.body ? Readable.fromWeb(res.body) : Readable.from([]);
    return {
      status: res.status,
      headers: res.headers,
      body: out,
      abort: () => {
        body?.destroy();
        out.destroy();
      },
    };
  }
  let target = url;
  let sending = headers;
  for (let hop = 0; ; hop++) {
    const res = await nodeExchange(method, target, sending, body, via.ca);
    const location = res.headers.get('location');
    const redirect = [301, 302, 303, 307, 308].includes(res.status) && location !== null;
    if (!redirect || body !== undefined || hop === MAX_REDIRECTS) return res;
    res.body.resume();
    const next = new URL(location, target);
    if (next.origin !== target.origin) {
      sending = Object.fromEntries(
        Object.entries(sending).filter(([k]) => k.toLowerCase() !== 'authorization'),
      );
    }
    target = next;
  }
}

/** Statuses whose Response must have a null body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` for the OCI client's control requests (HEAD, manifests, upload sessions, tokens) on
 * node:http(s) with `ca`. It handles what the client sends: string headers, a Buffer (or no) body,
 * `redirect: 'follow'` (303, and 301/302 after a POST, become GETs without a body, as fetch does;
 * Authorization is dropped when a redirect leaves the origin).
 */
export function nodeFetch(ca?: string): typeof fetch {
  return async (input, init = {}) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    let body =
      init.body === undefined || init.body === null
        ? undefined
        : Buffer.from(
            init.body instanceof ArrayBuffer
              ? new Uint8Array(init.body)
              : (init.body as Uint8Array),
          );
    for (let hop = 0; ; hop++) {
      if (body !== undefined) headers['content-length'] = String(body.byteLength);
      const res = await nodeExchange(
        method,
        url,
        headers,
        body !== undefined ? Readable.from([body]) : undefined,
        ca,
      );
      const location = res.headers.get('location');
      const redirect = [301, 302, 303, 307, 308].includes(res.status) && location !== null;
      if (redirect && init.redirect !== 'manual' && hop < MAX_REDIRECTS) {
        res.body.resume();
        const next = new URL(location, url);
        if (
          res.status === 303 ||
          ((res.status === 301 || res.status === 302) && method === 'POST')
        ) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          delete headers['content-length'];
          delete headers['content-type'];
        }
        if (next.origin !== url.origin) delete headers.authorization;
        url = next;
        continue;
      }
      const empty = method === 'HEAD' || NULL_BODY.has(res.status);
      if (empty) res.body.resume();
      return new Response(empty ? null : (Readable.toWeb(res.body) as ReadableStream), {
        status: res.status,
        headers: res.headers,
      });
    }
  };
}
