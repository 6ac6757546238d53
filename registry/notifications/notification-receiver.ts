import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { KubeClient } from '../../federation/machinery/client/kube-client.js';
import { AlreadyExistsError } from '../../federation/machinery/errors/index.js';
import { freePort } from '../../federation/machinery/util/free-port.js';
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

/**
 * Receives Distribution push notifications at `POST /notify/<registry>` (plain HTTP on loopback,
 * as docker-registry 2.8 posts) and creates a PromotionRequest for every target a
 * ReplicationPolicy names. Pushes made by the replicator itself are ignored, so two-way sync
 * does not loop; request names are derived from (from, to, repository, digest), so retries and
 * duplicate events create nothing twice.
 */
export class NotificationReceiver {
  private server: Server | undefined;
  private readonly client: KubeClient;
  url = '';
  received = 0;

  constructor(client: KubeClient) {
    this.client = client;
  }

  async start(port = 0): Promise<string> {
    const p = port || (await freePort());
    this.server = createServer((req, res) => {
      const m = /^\/notify\/([a-z0-9-]+)$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let env: Envelope;
        try {
          env = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Envelope;
        } catch {
          res.writeHead(400).end('invalid JSON');
          return;
        }
        this.handle(m[1] ?? '', env).then(
          () => res.writeHead(200).end(),
          () => res.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(p, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${String(p)}`;
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
      for (const { to, policy } of targetsFor(policies, registry, t.repository, t.tag)) {
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
            requester: ev.actor?.name ? ev.actor.name : `registry:${registry}`,
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

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
