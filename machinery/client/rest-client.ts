import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { GroupVersionResource, KubeList, KubeObject, Status, WatchEvent } from '../meta.js';
import { ApiError, errorFromStatus, InternalError, TimeoutError } from '../errors/index.js';
import { AsyncQueue } from '../util/async-queue.js';
import type {
  DeleteOptions,
  KubeClient,
  ListOptions,
  PatchType,
  ResourceClient,
  Watch,
  WatchOptions,
} from './kube-client.js';

/** Options for {@link RestClient}. */
export interface RestClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:6443`. */
  server: string;
  token?: string;
  /** PEM CA bundle (or base64 of it, as in kubeconfig certificate-authority-data). */
  caData?: string;
  /** PEM client certificate and key (or base64 of them, as in kubeconfig), for x509 auth. */
  certData?: string;
  keyData?: string;
  insecureSkipTLSVerify?: boolean;
  /** Per-request timeout for non-watch calls. @defaultValue 30000 */
  timeoutMs?: number;
  userAgent?: string;
}

const PATCH_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

/** PEM text from PEM or its base64 (kubeconfig `*-data` fields). */
function pem(data: string | undefined): string | undefined {
  if (data === undefined) return undefined;
  return data.includes('BEGIN') ? data : Buffer.from(data, 'base64').toString('utf8');
}

interface RawResponse {
  status: number;
  body: string;
}

/**
 * A {@link KubeClient} over HTTP(S) using only standard Kubernetes paths, so it works against
 * Flotilla's API servers and real Kubernetes alike. Status bodies become typed errors.
 */
export class RestClient implements KubeClient {
  readonly server: string;
  private readonly opts: RestClientOptions;
  private readonly agent: HttpAgent;
  private readonly https: boolean;

  constructor(opts: RestClientOptions) {
    this.opts = opts;
    this.server = opts.server.replace(/\/+$/, '');
    this.https = this.server.startsWith('https:');
    if (this.https) {
      const ca = pem(opts.caData);
      const cert = pem(opts.certData);
      const key = pem(opts.keyData);
      this.agent = new HttpsAgent({
        keepAlive: true,
        maxSockets: 64,
        ...(ca ? { ca } : {}),
        ...(cert && key ? { cert, key } : {}),
        rejectUnauthorized: opts.insecureSkipTLSVerify !== true,
      });
    } else {
      this.agent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
    }
  }

  /** Closes pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.opts.userAgent ?? 'flotilla/0.1',
      ...extra,
    };
    if (this.opts.token !== undefined) h.Authorization = `Bearer ${this.opts.token}`;
    return h;
  }

  private open(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
    timeoutMs: number | undefined,
  ): Promise<IncomingMessage> {
    const url = new URL(this.server + path);
    const req = (this.https ? httpsRequest : httpRequest)(url, {
      method,
      agent: this.agent,
      headers: this.headers(headers),
    });
    return new Promise((resolve, reject) => {
      if (timeoutMs !== undefined) {
        req.setTimeout(timeoutMs, () => {
          req.destroy(
            new TimeoutError(`${method} ${path}: no response within ${String(timeoutMs)} ms`),
          );
        });
      }
      req.on('response', resolve);
      req.on('error', (err) => {
        reject(
          err instanceof ApiError
            ? err
            : new InternalError(`${method} ${url.href}: ${err.message}`, { cause: err }),
        );
      });
      req.end(body);
    });
  }

  /** Raw request returning status and body text; errors only on transport failure. */
  async raw(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<RawResponse> {
    const payload =
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> =
      payload !== undefined
        ? { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(payload)) }
        : {};
    const res = await this.open(method, path, payload, headers, this.opts.timeoutMs ?? 30_000);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
  }

  /** JSON request; non-2xx becomes a typed ApiError. */
  async request<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.raw(method, path, body, contentType);
    let parsed: unknown;
    try {
      parsed = res.body === '' ? undefined : JSON.parse(res.body);
    } catch {
      parsed = res.body;
    }
    if (res.status < 200 || res.status >= 300) {
      const st =
        parsed && typeof parsed === 'object' && (parsed as Status).kind === 'Status'
          ? (parsed as Status)
          : { message: `${method} ${path}: HTTP ${String(res.status)}: ${res.body.slice(0, 200)}` };
      throw errorFromStatus(st, res.status);
    }
    return parsed as T;
  }

  resource<T extends KubeObject = KubeObject>(
    gvr: GroupVersionResource,
    namespace?: string,
  ): ResourceClient<T> {
    const base = gvr.group === '' ? `/api/${gvr.version}` : `/apis/${gvr.group}/${gvr.version}`;
    const coll =
      namespace !== undefined
        ? `${base}/namespaces/${encodeURIComponent(namespace)}/${gvr.resource}`
        : `${base}/${gvr.resource}`;
    const one = (name: string): string => `${coll}/${encodeURIComponent(name)}`;
    const qs = (o: Record<string, string | number | boolean | undefined>): string => {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') p.set(k, String(v));
      const s = p.toString();
      return s === '' ? '' : `?${s}`;
    };
    return {
      get: (name) => this.request<T>('GET', one(name)),
      list: (o: ListOptions = {}) => this.request<KubeList<T>>('GET', coll + qs({ ...o })),
      create: (obj) => this.request<T>('POST', coll, obj),
      update: (obj) => this.request<T>('PUT', one(obj.metadata.name ?? ''), obj),
      updateStatus: (obj) => this.request<T>('PUT', `${one(obj.metadata.name ?? '')}/status`, obj),
      patch: (name, patch, type) => this.request<T>('PATCH', one(name), patch, PATCH_TYPES[type]),
      delete: async (name, o: DeleteOptions = {}) => {
        const out = await this.request<T | Status>('DELETE', one(name), {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          ...o,
        });
        if (out.kind === 'Status') return undefined;
        const obj = out as T;
        // still there: held by finalizers, or terminating gracefully (a pod until its kubelet is done)
        return obj.metadata.deletionTimestamp !== undefined &&
          ((obj.metadata.finalizers ?? []).length > 0 ||
            (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0)
          ? obj
          : undefined;
      },
      watch: (o: WatchOptions = {}) => this.watch<T>(coll + qs({ ...o, watch: 'true' })),
      subresource: <R>(name: string, sub: string, method: 'GET' | 'PUT' | 'POST', body?: unknown) =>
        this.request<R>(method, `${one(name)}/${sub}`, body),
    };
  }

  private watch<T extends KubeObject>(path: string): Watch<T> {
    let res: IncomingMessage | undefined;
    let stopped = false;
    const stop = (): void => {
      stopped = true;
      res?.destroy();
      queue.close();
    };
    const queue = new AsyncQueue<WatchEvent<T>>(stop);
    const run = async (): Promise<void> => {
      const r = await this.open('GET', path, undefined, {}, undefined);
      res = r;
      if (stopped) {
        r.destroy();
        return;
      }
      if ((r.statusCode ?? 0) >= 300) {
        const chunks: Buffer[] = [];
        for await (const c of r) chunks.push(c as Buffer);
        const text = Buffer.concat(chunks).toString('utf8');
        let st: Partial<Status> = { message: text };
        try {
          st = JSON.parse(text) as Status;
        } catch {
          // keep text
        }
        throw errorFromStatus(st, r.statusCode ?? 500);
      }
      let buf = '';
      try {
        for await (const chunk of r) {
          buf += (chunk as Buffer).toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line === '') continue;
            const ev = JSON.parse(line) as WatchEvent<T>;
            if (ev.type === 'ERROR') {
              const st = ev.object as unknown as Status;
              throw errorFromStatus(st, st.code);
            }
            queue.push(ev);
          }
        }
      } catch (err) {
        if (stopped) return;
        throw err;
      }
      queue.close();
    };
    run().catch((err: unknown) => {
      if (!stopped) queue.fail(err);
    });
    return { stop, [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator]() };
  }
}
