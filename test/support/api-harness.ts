/**
 * Starts a real etcd and an ApiServer on 127.0.0.1 for integration tests, with a kubeconfig for
 * kubectl and a RestClient. `stop()` tears everything down.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApiServer, type ApiServerOptions } from '../../machinery/apiserver/index.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';

/** A running API server for tests. */
export interface ApiHarness {
  url: string;
  server: ApiServer;
  storage: EtcdStorage;
  client: RestClient;
  kubeconfigPath: string;
  etcd: EtcdService;
  stop(): Promise<void>;
}

/** Options for {@link startApiHarness}. */
export interface ApiHarnessOptions {
  resources: ResourceType[];
  /** Reuse an etcd (the harness then does not stop it). */
  etcd?: EtcdService;
  prefix?: string;
  tokens?: Record<string, string>;
  /** The server's watch cache options, or false for none. @defaultValue on */
  watchCache?: ApiServerOptions['watchCache'];
}

/** Starts etcd (unless given) and an ApiServer serving `resources`. */
export async function startApiHarness(opts: ApiHarnessOptions): Promise<ApiHarness> {
  const etcd = opts.etcd ?? (await startEtcd());
  const storage = new EtcdStorage({
    endpoints: [etcd.endpoint],
    prefix: opts.prefix ?? `/test-${randomUUID()}`,
  });
  const server = new ApiServer({
    storage,
    resources: opts.resources,
    ...(opts.tokens ? { tokens: opts.tokens } : {}),
    ...(opts.watchCache !== undefined ? { watchCache: opts.watchCache } : {}),
  });
  const url = await server.listen(0);
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-kubeconfig-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const token = opts.tokens ? Object.keys(opts.tokens)[0] : undefined;
  writeFileSync(
    kubeconfigPath,
    kubeconfigFor({ name: 'test', server: url, ...(token ? { token } : {}) }),
  );
  const client = new RestClient({ server: url, ...(token ? { token } : {}) });
  return {
    url,
    server,
    storage,
    client,
    kubeconfigPath,
    etcd,
    stop: async () => {
      client.close();
      await server.close();
      await storage.close();
      if (!opts.etcd) await etcd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
