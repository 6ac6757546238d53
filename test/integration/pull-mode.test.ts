// Pull mode (Karmada's agent model) against a real FederationControlPlane on real etcd and one
// hollow member the federation holds NO credentials for: `flotilla register` with a bootstrap
// token gets the agent a certificate (CSR auto-approved and signed by the agent-csr controller)
// and creates the Pull Cluster; the agent (in-process, as the binary runs it) pulls the Work of
// a propagated Deployment into the member, reports its status back into the template, removes it
// when the template goes, and once stopped the Cluster turns NotReady after the heartbeat window;
// `flotilla unjoin` then removes the Cluster and its execution namespace.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENTS, NAMESPACES, SECRETS, type Deployment } from '../../api/index.js';
import {
  CLUSTERS,
  PROPAGATION_POLICIES,
  WORKS,
  type Cluster,
  type PropagationPolicy,
  type Work,
} from '../../federation/apis/index.js';
import {
  resolveOptions,
  runAgentWith,
  clientFromKubeconfig,
} from '../../federation/agent/index.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import type { Logger } from '../../machinery/controller/index.js';
import { ForbiddenError, NotFoundError } from '../../machinery/errors/index.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { flotilla } from '../support/cli-runner.js';
import { startHollowMember, type HollowMember } from '../support/hollow-member.js';

const CLUSTER = 'pull1';
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

let etcd: EtcdService;
let fed: FederationControlPlane;
let api: RestClient;
let env: HollowMember;
let dir: string;
let agentKubeconfig: string;
let agentStop: AbortController | undefined;
let agentDone: Promise<void> | undefined;

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${String(timeoutMs)} ms (${last instanceof Error ? last.message : String(last)})`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ready = (c: Cluster): { status: string; reason: string } => {
  const r = c.status?.conditions?.find((x) => x.type === 'Ready');
  return { status: r?.status ?? 'Unknown', reason: r?.reason ?? '' };
};

/** A bootstrap token Secret in the federation's kube-system; returns `<id>.<secret>`. */
async function bootstrapToken(): Promise<string> {
  const id = randomBytes(3).toString('hex');
  const secret = randomBytes(8).toString('hex');
  await api.resource(SECRETS, 'kube-system').create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}` },
    type: 'bootstrap.kubernetes.io/token',
    stringData: {
      'token-id': id,
      'token-secret': secret,
      expiration: new Date(Date.now() + 3_600_000).toISOString(),
      'usage-bootstrap-authentication': 'true',
    },
  });
  return `${id}.${secret}`;
}

function startAgent(): void {
  agentStop = new AbortController();
  agentDone = runAgentWith(
    resolveOptions({
      kubeconfig: agentKubeconfig,
      clusterName: CLUSTER,
      memberKubeconfig: env.member.kubeconfigPath ?? '',
      heartbeatPeriodMs: 300,
      leaseDurationMs: 2000,
      resyncMs: 1000,
    }),
    agentStop.signal,
    quiet,
  );
}

beforeAll(async () => {
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'flotilla-pull-mode-'));
  // the federation's own wiring: CSR API, pull-mode RBAC, execution-namespace and agent-csr
  // controllers in the controller manager
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    etcdPrefix: `/it-${randomUUID()}`,
    resyncMs: 1000,
    health: { probePeriodMs: 500 },
    kubeconfigPath: join(dir, 'federation.kubeconfig'),
  });
  await fed.start();
  api = fed.client();
  env = await startHollowMember('flotilla-pull-mode-', {
    name: CLUSTER,
    nodes: 1,
    clusterIndex: 87,
  });
});

afterAll(async () => {
  agentStop?.abort();
  await agentDone;
  await fed?.stop();
  await env?.stop();
  await etcd?.stop();
});

describe('pull mode', () => {
  it('registers with a bootstrap token: agent certificate, Pull Cluster, agent kubeconfig', async () => {
    const caFile = join(dir, 'federation-ca.crt');
    writeFileSync(caFile, fed.auth.ca.cert);
    agentKubeconfig = join(dir, 'agent.kubeconfig');
    const token = await bootstrapToken();
    const missing = await flotilla(join(dir, 'none'), 'register', CLUSTER, '--token', token);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--federation');
    const r = await flotilla(
      join(dir, 'none'),
      'register',
      CLUSTER,
      '--federation',
      fed.url,
      '--token',
      token,
      '--ca-file',
      caFile,
      '--member-kubeconfig',
      env.member.kubeconfigPath ?? '',
      '--agent-kubeconfig-out',
      agentKubeconfig,
      '--labels',
      'mode=pull',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cluster/${CLUSTER} registered (syncMode Pull)`);
    const cluster = await api.resource<Cluster>(CLUSTERS).get(CLUSTER);
    expect(cluster.spec).toMatchObject({ syncMode: 'Pull', apiEndpoint: env.member.url });
    // the federation holds no credentials for this member
    expect(cluster.spec.secretRef).toBeUndefined();
    // the agent identity reaches its execution namespace only
    const agent = clientFromKubeconfig(agentKubeconfig, 'test');
    try {
      await until(
        'execution namespace and binding',
        async () => (await agent.resource<Work>(WORKS, `fed-es-${CLUSTER}`).list()).items,
      );
      await expect(agent.resource(WORKS, 'fed-es-other').list()).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      await expect(agent.resource(SECRETS, 'flotilla-system').list()).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      // and cannot register a cluster other than its own, nor a Push one
      await expect(
        agent.resource<Cluster>(CLUSTERS).create({
          apiVersion: 'cluster.flotilla.io/v1alpha1',
          kind: 'Cluster',
          metadata: { name: 'not-mine' },
          spec: { syncMode: 'Pull', apiEndpoint: 'https://127.0.0.1:1' },
        }),
      ).rejects.toBeInstanceOf(ForbiddenError);
    } finally {
      agent.close();
    }
    startAgent();
    const readyCluster = await until('Cluster Ready from the agent heartbeat', async () => {
      const c = await api.resource<Cluster>(CLUSTERS).get(CLUSTER);
      return ready(c).status === 'True' ? c : undefined;
    });
    // what the agent saw of the member, carried on its Lease into the Cluster's status
    expect(readyCluster.status?.resourceSummary).toMatchObject({ readyNodes: 1 });
    expect(readyCluster.status?.kubernetesVersion).toMatch(/^v\d/);
  });

  it('propagates a Deployment through a Work, reports member status, and deletes it', async () => {
    const ns = `t-${randomUUID().slice(0, 8)}`;
    await api
      .resource(NAMESPACES)
      .create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const dep: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'hollow:1' }] },
        },
      },
    };
    await api.resource<Deployment>(DEPLOYMENTS, ns).create(dep);
    await api.resource<PropagationPolicy>(PROPAGATION_POLICIES, ns).create({
      apiVersion: 'policy.flotilla.io/v1alpha1',
      kind: 'PropagationPolicy',
      metadata: { name: 'web' },
      spec: {
        resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }],
        placement: { clusterAffinity: { clusterNames: [CLUSTER] } },
      },
    });
    const memberDeps = env.member.client().resource<Deployment>(DEPLOYMENTS, ns);
    const inMember = await until('Deployment in the member', () => memberDeps.get('web'));
    expect(inMember.spec.replicas).toBe(2);
    const work = await until('Work applied', async () => {
      const w = await api.resource<Work>(WORKS, `fed-es-${CLUSTER}`).get(`deployment.${ns}.web`);
      return w.status?.conditions?.some((c) => c.type === 'Applied' && c.status === 'True')
        ? w
        : undefined;
    });
    expect(work.metadata.finalizers).toContain('work.flotilla.io/member-cleanup');
    const status = await until(
      'member replicas in the federated Deployment status',
      async () => {
        const d = await api.resource<Deployment>(DEPLOYMENTS, ns).get('web');
        const s = d.status as
          | {
              availableReplicas?: number;
              clusters?: { cluster: string; availableReplicas: number }[];
            }
          | undefined;
        return s?.availableReplicas === 2 ? s : undefined;
      },
      60_000,
    );
    expect(status.clusters).toEqual([
      expect.objectContaining({ cluster: CLUSTER, availableReplicas: 2 }),
    ]);
    await api.resource(DEPLOYMENTS, ns).delete('web');
    await until('Deployment removed from the member', async () => {
      try {
        await memberDeps.get('web');
        return undefined;
      } catch (err) {
        if (err instanceof NotFoundError) return true;
        throw err;
      }
    });
    await until('Work gone', async () => {
      const left = await api.resource<Work>(WORKS, `fed-es-${CLUSTER}`).list();
      return left.items.length === 0 ? true : undefined;
    });
  });

  it('marks the Cluster NotReady once the agent stops renewing its heartbeat', async () => {
    agentStop?.abort();
    await agentDone;
    const stoppedAt = Date.now();
    const c = await until('Cluster NotReady', async () => {
      const cur = await api.resource<Cluster>(CLUSTERS).get(CLUSTER);
      return ready(cur).status === 'False' ? cur : undefined;
    });
    expect(ready(c).reason).toBe('AgentHeartbeatMissing');
    // not before the 2 s window has passed since the last renewal
    expect(Date.now() - stoppedAt).toBeGreaterThan(1000);
  });

  it('unjoins a Pull cluster without credentials; its execution namespace goes with it', async () => {
    const r = await flotilla(join(dir, 'federation.kubeconfig'), 'unjoin', CLUSTER);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await until('Cluster and execution namespace gone', async () => {
      const gone = async (p: Promise<unknown>): Promise<boolean> =>
        p.then(
          () => false,
          (err: unknown) => {
            if (err instanceof NotFoundError) return true;
            throw err;
          },
        );
      const done =
        (await gone(api.resource<Cluster>(CLUSTERS).get(CLUSTER))) &&
        (await gone(api.resource(NAMESPACES).get(`fed-es-${CLUSTER}`)));
      return done ? true : undefined;
    });
  });
});
