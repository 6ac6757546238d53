/**
 * One raw HTTPS request with full control over what the client presents (bearer token, client
 * certificate, source address on 127.0.0.0/8), for authentication tests.
 */
import { request } from 'node:https';

/** What {@link probe} sends. */
export interface ProbeOptions {
  method?: string;
  /** Sent as `Authorization: Bearer <token>` when defined (also the empty string). */
  token?: string;
  /** PEM CA bundle the server certificate must chain to. */
  ca: string;
  cert?: { cert: string; key: string };
  /** Source address (any 127.x.y.z), so per-address rate limits of one case do not hit another. */
  localAddress?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The answer of {@link probe}. */
export interface ProbeResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request on a fresh connection (no keep-alive, so the TLS handshake is per request). */
export function probe(url: string, o: ProbeOptions): Promise<ProbeResult> {
  const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: o.method ?? 'GET',
        ca: o.ca,
        agent: false,
        ...(o.cert ? { cert: o.cert.cert, key: o.cert.key } : {}),
        ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
        headers: {
          Accept: 'application/json',
          ...(o.token !== undefined ? { Authorization: `Bearer ${o.token}` } : {}),
          ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(o.headers ?? {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
