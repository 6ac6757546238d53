import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { closeServer } from '../../machinery/net/close-server.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { AlreadyExistsError } from '../../machinery/errors/index.js';
import { freePort } from '../../machinery/util/free-port.js';
import {
  PROMOTION_REQUESTS,
  REPLICATION_POLICIES,
  type PromotionRequest,
  type ReplicationPolicy,
} from '../apis/registry-types.js';
import { targetsFor } from '../controllers/policy-match.js';
import { REPLICATOR_USER_AGENT } from '../jobs/replicator.js';

interface Envelope {
  events?: {
    action?: string;
    target?: { mediaType?: string; repository?: string; digest?: string; tag?: string };
    request?: { useragent?: string };
    actor?: { name?: string };
  }[];
}

const MANIFEST = /manifest/;

/** Largest notification body accepted (docker-registry batches a few events per envelope). */
export const MAX_NOTIFICATION_BYTES = 1024 * 1024;

/**
 * The shared secret `registry` must send to a receiver whose key is `key`: HMAC-SHA256 of the
 * registry name under the key, hex (what a set-up puts into each registry's notification headers).
 */
export function notificationSecret(key: Buffer, registry: string): string {
  return createHmac('sha256', key).update(registry).digest('hex');
}

/** Options for {@link NotificationReceiver}. */
export interface NotificationReceiverOptions {
  /**
   * Key from which each registry's shared secret is derived (HMAC-SHA256 of the registry name);
   * random when absent, so a receiver never accepts unauthenticated notifications.
   */
  key?: Buffer;
}

/**
 * The request body, or undefined after answering 413 when it exceeds `limit` bytes. The rest of
 * an oversized body is discarded (up to a few times the limit, so the client reads the 413
 * instead of a reset), then the connection is closed.
 */
function readBounded(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = (): void => {
      refused = true;
      chunks.length = 0;
      res.writeHead(413, { Connection: 'close' }).end('notification too large');
      resolve(undefined);
    };
    if (Number(req.headers['content-length'] ?? 0) > limit) refuse();
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (refused) {
        if (size > 4 * limit) req.destroy();
        return;
      }
      if (size > limit) {
        refuse();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!refused) reject(err);
    });
  });
}

/**
 * Receives Distribution push notifications at `POST /notify/<registry>` (https with `tls`, so the
 * shared secrets do not cross loopback in clear text; plain HTTP without) and creates a PromotionRequest for every target a
 * ReplicationPolicy names, with the pusher (`actor.name`, authenticated by the registry's token
 * auth) as requester. Each registry authenticates with its own shared secret
 * (`Authorization: Bearer <secretFor(registry)>`, set in the registry's notification headers):
 * anything else gets 401, bodies over {@link MAX_NOTIFICATION_BYTES} get 413. Pushes made by the
 * replicator itself are ignored, so two-way sync does not loop; request names are derived from
 * (from, to, repository, digest), so retries and duplicate events create nothing twice.
 */
export class NotificationReceiver {
  private server: Server | undefined;
  private readonly client: KubeClient;
  private readonly key: Buffer;
  url = '';
  received = 0;
  /** Notifications refused for a missing or wrong secret. */
  refused = 0;

  constructor(client: KubeClient, opts: NotificationReceiverOptions = {}) {
    this.client = client;
    this.key = opts.key ?? randomBytes(32);
  }

  /** The shared secret `registry` must send (as `Authorization: Bearer <secret>`). */
  secretFor(registry: string): string {
    return notificationSecret(this.key, registry);
  }

  private authentic(registry: string, req: IncomingMessage): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const got = Buffer.from(m?.[1] ?? '');
    const want = Buffer.from(this.secretFor(registry));
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/notify\/([a-z0-9-]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m?.[1]) {
      res.writeHead(404).end();
      return;
    }
    const registry = m[1];
    // authenticate before reading the body: a forger gets nothing buffered
    if (!this.authentic(registry, req)) {
      this.refused++;
      res.writeHead(401, { Connection: 'close' }).end('unauthorized');
      // drain what is in flight so the client reads the 401, but never more than the limit
      let drained = 0;
      req.on('data', (c: Buffer) => {
        drained += c.length;
        if (drained > MAX_NOTIFICATION_BYTES) req.destroy();
      });
      return;
    }
    const body = await readBounded(req, res, MAX_NOTIFICATION_BYTES);
    if (body === undefined) return;
    let env: Envelope;
    try {
      env = JSON.parse(body.toString('utf8')) as Envelope;
    } catch {
      res.writeHead(400).end('invalid JSON');
      return;
    }
    await this.handle(registry, env);
    res.writeHead(200).end();
  }

  /**
   * Listens on `host` (https with `tls`: a certificate chain and key, PEM); resolves to the base
   * URL.
   */
  async start(port = 0, tls?: { cert: string; key: string }, host = '127.0.0.1'): Promise<string> {
    const p = port || (await freePort());
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.serve(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    };
    this.server = tls ? createHttpsServer(tls, handler) : createServer(handler);
    await new Promise<void>((resolve, reject) => {
      this.server?.once('error', reject);
      this.server?.listen(p, host, () => resolve());
    });
    this.url = `${tls ? 'https' : 'http'}://${host}:${String(p)}`;
    return this.url;
  }

  /** Handles one envelope from `registry`. */
  async handle(registry: string, env: Envelope): Promise<void> {
    const policies = (await this.client.resource<ReplicationPolicy>(REPLICATION_POLICIES).list())
      .items;
    for (const ev of env.events ?? []) {
      const t = ev.target;
      if (
        ev.action !== 'push' ||
        !t?.repository ||
        !t.digest ||
        !MANIFEST.test(t.mediaType ?? '')
      ) {
        continue;
      }
      if ((ev.request?.useragent ?? '').includes(REPLICATOR_USER_AGENT)) continue;
      this.received++;
      // the registry's token auth names the pusher; without it nobody knows who pushed, and a
      // request that needs approval could then be approved by its own pusher
      const pusher = ev.actor?.name ?? '';
      for (const { to, policy } of targetsFor(policies, registry, t.repository, t.tag)) {
        if (pusher === '' && policy.spec.requiresApproval) continue;
        const name = `promo-${createHash('sha256').update(`${registry}|${to}|${t.repository}|${t.digest}`).digest('hex').slice(0, 16)}`;
        const pr: PromotionRequest = {
          apiVersion: 'registry.flotilla.io/v1alpha1',
          kind: 'PromotionRequest',
          metadata: {
            name,
            labels: { 'registry.flotilla.io/from': registry, 'registry.flotilla.io/to': to },
          },
          spec: {
            image: { repository: t.repository, digest: t.digest, ...(t.tag ? { tag: t.tag } : {}) },
            from: registry,
            to,
            requester: pusher === '' ? 'system:anonymous' : pusher,
            reason: `push of ${t.repository}${t.tag ? `:${t.tag}` : ''} to ${registry}`,
            policy: policy.metadata.name ?? '',
          },
        };
        await this.client
          .resource(PROMOTION_REQUESTS)
          .create(pr)
          .catch((err: unknown) => {
            if (!(err instanceof AlreadyExistsError)) throw err;
          });
      }
    }
  }

  /** Stops listening; connections still open after a short grace period are closed. */
  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
