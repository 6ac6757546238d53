/**
 * Authentication + RBAC + audit overhead: ConfigMap create and get throughput through the API
 * server with a bearer-token authenticator, the RBAC authorizer (the user holds `edit` through a
 * RoleBinding, so every request walks its rules) and an audit log at Metadata level for every
 * request, against the same server without any of them, measured in the same run on the same
 * etcd. Rounds alternate which side goes first (off/on, on/off, ...) and the median of each is
 * kept so that etcd warming up or compacting does not favour one side. Goal: ratio ≥ 0.9.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAuditSink } from '../../machinery/apiserver/audit-log.js';
import { ApiServer } from '../../machinery/apiserver/index.js';
import { StaticTokenAuthenticator } from '../../machinery/auth/static-token-authenticator.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import { Rbac } from '../../machinery/rbac/index.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';
import { bindInNamespace, waitForAccess } from '../../hack/lib/rbac-bindings.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { CONFIGMAPS, memberResourceTypes, NAMESPACES } from '../../api/index.js';
import {
  isMain,
  opsPerSecond,
  percentile,
  printResults,
  type BenchResult,
} from './bench-result.js';

const NS = 'bench';
const USER_TOKEN = randomUUID();
const ADMIN_TOKEN = randomUUID();

interface Side {
  client: RestClient;
  stop(): Promise<void>;
}

async function startSide(etcd: EtcdService, auth: boolean): Promise<Side> {
  const storage = new EtcdStorage({
    endpoints: [etcd.endpoint],
    prefix: `/auth-bench-${randomUUID()}`,
  });
  const rbac = auth ? new Rbac({ storage, servedTypes: memberResourceTypes }) : undefined;
  const auditDir = mkdtempSync(join(tmpdir(), 'flotilla-auth-bench-'));
  const sink = auth ? new FileAuditSink(join(auditDir, 'audit.log')) : undefined;
  const server = new ApiServer({
    storage,
    resources: [...memberResourceTypes, ...(rbac?.resourceTypes ?? [])],
    ...(sink ? { audit: { policy: { rules: [{ level: 'Metadata' as const }] }, sink } } : {}),
    ...(rbac
      ? {
          authorizer: rbac.authorizer,
          authenticator: new StaticTokenAuthenticator([
            { token: ADMIN_TOKEN, user: { name: 'admin', groups: ['system:masters'] } },
            { token: USER_TOKEN, user: { name: 'bench-user', groups: [] } },
          ]),
        }
      : {}),
  });
  if (rbac) {
    rbac.install(server);
    await rbac.start();
  }
  const url = await server.listen(0);
  const admin = new RestClient({ server: url, token: ADMIN_TOKEN });
  await admin
    .resource(NAMESPACES)
    .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  if (rbac) {
    await bindInNamespace(admin, NS, { kind: 'ClusterRole', name: 'edit' }, ['bench-user']);
    await waitForAccess(
      admin,
      'bench-user',
      { verbs: ['create'], apiGroups: [''], resources: ['configmaps'] },
      NS,
    );
  }
  admin.close();
  const client = new RestClient({ server: url, ...(auth ? { token: USER_TOKEN } : {}) });
  return {
    client,
    stop: async () => {
      client.close();
      await server.close();
      await rbac?.stop();
      await sink?.close();
      rmSync(auditDir, { recursive: true, force: true });
      await storage.close();
    },
  };
}

/** Create and get rates, with and without authentication + RBAC. */
export async function runAuthBench(
  opts: { objects?: number; rounds?: number } = {},
): Promise<BenchResult[]> {
  const objects = opts.objects ?? 1500;
  const rounds = opts.rounds ?? 4;
  const etcd = await startEtcd();
  const sides = { off: await startSide(etcd, false), on: await startSide(etcd, true) };
  const samples = {
    off: { create: [] as number[], get: [] as number[] },
    on: { create: [] as number[], get: [] as number[] },
  };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const k of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const cms = sides[k].client.resource(CONFIGMAPS, NS);
        const name = (i: number): string => `cm-${String(r)}-${String(i)}`;
        samples[k].create.push(
          await opsPerSecond(objects, 16, (i) =>
            cms.create({
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: name(i) },
              data: { i: String(i) },
            }),
          ),
        );
        samples[k].get.push(await opsPerSecond(objects, 16, (i) => cms.get(name(i))));
      }
    }
  } finally {
    await sides.off.stop();
    await sides.on.stop();
    await etcd.stop();
  }
  const line = (op: 'create' | 'get'): BenchResult => {
    const ours = percentile(samples.on[op], 50);
    const reference = percentile(samples.off[op], 50);
    return {
      name: `API ${op} with authn+RBAC+audit (median of ${String(rounds)})`,
      unit: 'ops/s',
      ours,
      reference,
      referenceName: 'no auth',
      ratio: ours / reference,
    };
  };
  return [line('create'), line('get')];
}

if (isMain(import.meta.url)) printResults(await runAuthBench());
