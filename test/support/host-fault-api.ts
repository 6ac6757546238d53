/**
 * The API side of the host-fault tests: a real member API server (in-process) on the etcd endpoints
 * a test gives, its system:masters client, and a ConfigMap writer that keeps writing while a fault
 * goes on and remembers which writes were acknowledged and how the others failed.
 */
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { CONFIGMAPS, type ConfigMap } from '../../api/index.js';
import { startMemberApiServer, type RunningMemberApiServer } from '../../member/apiserver/index.js';
import { memberAuthentication } from './member-api-fixture.js';

/** A member API server of a test and its admin client. */
export interface ClusterApi {
  api: RunningMemberApiServer;
  admin: RestClient;
  stop(): Promise<void>;
}

/** Starts member API server `name` on `endpoints` under the key prefix `prefix`. */
export async function startClusterApi(
  name: string,
  endpoints: string[],
  prefix: string,
): Promise<ClusterApi> {
  const auth = memberAuthentication(name);
  const api = await startMemberApiServer({
    clusterName: name,
    etcdEndpoints: endpoints,
    etcdPrefix: prefix,
    auth,
  });
  const cert = auth.clientCert('admin', [MASTERS_GROUP]);
  // a short timeout: a write stuck behind a dead etcd is an answer too (the caller records it)
  const admin = new RestClient({
    server: api.url,
    certData: cert.cert,
    keyData: cert.key,
    caData: api.tls.cert,
    timeoutMs: 10_000,
  });
  return {
    api,
    admin,
    stop: async () => {
      admin.close();
      await api.stop();
    },
  };
}

/**
 * Creates ConfigMaps `cm-<n>` (4 KiB of data each) in `default`, two at a time, until stopped,
 * and reads one back after each write.
 * Only a 201 counts as acknowledged; a failed write may or may not have been stored.
 */
export class ConfigMapWriter {
  /** Names the API server acknowledged. */
  readonly acked = new Set<string>();
  /** The errors of the writes that failed. */
  readonly failures: unknown[] = [];
  /** The errors of the reads (a get of the last acknowledged name after each write) that failed. */
  readonly readFailures: unknown[] = [];
  reads = 0;
  attempts = 0;
  private next = 0;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly client: RestClient;

  constructor(client: RestClient) {
    this.client = client;
  }

  start(): void {
    this.running = true;
    this.loops = [this.loop(), this.loop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const name = `cm-${String(this.next++)}`;
      this.attempts++;
      try {
        await this.create(name);
        this.acked.add(name);
      } catch (err) {
        this.failures.push(err);
        await new Promise((r) => setTimeout(r, 50));
      }
      const last = [...this.acked].at(-1);
      if (last === undefined) continue;
      this.reads++;
      try {
        await this.client.resource<ConfigMap>(CONFIGMAPS, 'default').get(last);
      } catch (err) {
        this.readFailures.push(err);
      }
    }
  }

  private async create(name: string): Promise<void> {
    await this.client.resource<ConfigMap>(CONFIGMAPS, 'default').create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name },
      data: { v: `${name}:`.padEnd(4096, 'x') },
    });
  }

  /** One more write: 'ok', or the error's class and message. */
  async tryCreate(prefix: string): Promise<string> {
    try {
      await this.create(`${prefix}-${String(this.next++)}`);
      return 'ok';
    } catch (err) {
      return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
  }

  /** The acknowledged names missing from the API server's list (none, when nothing was lost). */
  async lost(): Promise<string[]> {
    const list = await this.client.resource<ConfigMap>(CONFIGMAPS, 'default').list();
    const stored = new Set(list.items.map((c) => c.metadata.name ?? ''));
    return [...this.acked].filter((n) => !stored.has(n)).sort();
  }
}
