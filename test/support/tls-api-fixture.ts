/**
 * An ApiServer over HTTPS on a real etcd with two token users (alice, bob), a kubeconfig with
 * one context per user, and RestClients; for the limits, dry-run, encryption and audit tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiServer,
  selfSignedCert,
  type ApiServerOptions,
} from '../../machinery/apiserver/index.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import { EtcdStorage, type EtcdStorageOptions } from '../../machinery/storage/etcd-storage.js';
import type { EtcdService } from '../../hack/lib/services.js';

/** A running fixture. */
export interface TlsApiFixture {
  url: string;
  server: ApiServer;
  storage: EtcdStorage;
  /** Storage key prefix (etcd keys are `<prefix>/registry/...`). */
  prefix: string;
  kubeconfigPath: string;
  /** Bearer tokens of the two users. */
  tokens: { alice: string; bob: string };
  alice: RestClient;
  bob: RestClient;
  caCert: string;
  stop(): Promise<void>;
}

/** Options for {@link startTlsApiFixture}. */
export interface TlsApiFixtureOptions {
  etcd: EtcdService;
  resources: ResourceType[];
  /** Storage key prefix (reuse one to restart on the same data). @defaultValue random */
  prefix?: string;
  storage?: Omit<EtcdStorageOptions, 'endpoints' | 'prefix'>;
  server?: Partial<ApiServerOptions>;
}

/** Starts the fixture on the given etcd (which the caller stops). */
export async function startTlsApiFixture(opts: TlsApiFixtureOptions): Promise<TlsApiFixture> {
  const prefix = opts.prefix ?? `/test-${randomUUID()}`;
  const storage = new EtcdStorage({
    endpoints: [opts.etcd.endpoint],
    prefix,
    ...(opts.etcd.tls ? { tls: opts.etcd.tls } : {}),
    ...opts.storage,
  });
  const tokens = { alice: randomBytes(16).toString('hex'), bob: randomBytes(16).toString('hex') };
  const cert = selfSignedCert(['127.0.0.1']);
  const server = new ApiServer({
    storage,
    resources: opts.resources,
    tokens: { [tokens.alice]: 'alice', [tokens.bob]: 'bob' },
    tls: cert,
    ...opts.server,
  });
  const url = await server.listen(0);
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-fixture-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    kubeconfigFor(
      { name: 'alice', server: url, token: tokens.alice, caCert: cert.cert },
      { name: 'bob', server: url, token: tokens.bob, caCert: cert.cert },
    ),
  );
  const client = (token: string): RestClient =>
    new RestClient({ server: url, token, caData: cert.cert });
  const alice = client(tokens.alice);
  const bob = client(tokens.bob);
  return {
    url,
    server,
    storage,
    prefix,
    kubeconfigPath,
    tokens,
    alice,
    bob,
    caCert: cert.cert,
    stop: async () => {
      alice.close();
      bob.close();
      await server.close();
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
