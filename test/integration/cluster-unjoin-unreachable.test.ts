// Unjoin of a member that cannot be reached: a federation control plane (controllers running,
// cluster cleanup bounded to 3 s) and member API servers on real etcd, the flotilla CLI
// in-process. A member joined, then stopped (its port closed) and unjoined: unjoin waits its
// --timeout and exits 1 with the --force hint; past the controller's bound the Cluster carries
// CleanupFailed (finalizer kept) and a Warning Event, and a later unjoin stops at once on that
// condition; `unjoin --force` removes Cluster and Secret with a warning. A reachable member whose
// DNS server (spec.dns) never answers unjoins at once: the cleanup does not wait for DNS.
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, memberResourceTypes, SECRETS, type Event } from '../../api/index.js';
import {
  CLUSTERS,
  FINALIZER_WORK_MEMBER_CLEANUP,
  WORKS,
  type Cluster,
  type Work,
} from '../../federation/apis/index.js';
import { FINALIZER_CLUSTER_CLEANUP } from '../../federation/controllers/finalizers.js';
import { FederationControlPlane } from '../../federation/server/federation-control-plane.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { flotilla } from '../support/cli-runner.js';

let etcd: EtcdService | undefined;
let fed: FederationControlPlane | undefined;
let api: RestClient;
let dir: string;
let kubeconfig: string;
let silentDns: Socket | undefined;
const members: ApiHarness[] = [];

const cli = (...args: string[]): ReturnType<typeof flotilla> => flotilla(kubeconfig, ...args);

async function missing(p: Promise<unknown>): Promise<boolean> {
  return p.then(
    () => false,
    (err: unknown) => {
      if (err instanceof NotFoundError) return true;
      throw err;
    },
  );
}

/** A member API server, joined through the CLI; resolves once it carries the cleanup finalizer. */
async function joinMember(name: string): Promise<ApiHarness> {
  const m = await startApiHarness({
    resources: memberResourceTypes,
    etcd: etcd as EtcdService,
    tokens: { [`${name}-token`]: 'admin' },
  });
  members.push(m);
  const r = await cli('join', name, '--endpoint', m.url, '--token', `${name}-token`);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  await expect
    .poll(async () => (await api.resource<Cluster>(CLUSTERS).get(name)).metadata.finalizers, {
      timeout: 15_000,
    })
    .toContain(FINALIZER_CLUSTER_CLEANUP);
  return m;
}

beforeAll(async () => {
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'flotilla-unjoin-it-'));
  kubeconfig = join(dir, 'kubeconfig');
  fed = new FederationControlPlane({
    etcdEndpoint: etcd.endpoint,
    resyncMs: 1000,
    kubeconfigPath: kubeconfig,
    clusterCleanupTimeoutMs: 3000,
    health: { probePeriodMs: 500, probeTimeoutMs: 1000, failureThreshold: 1, halfOpenAfterMs: 500 },
  });
  await fed.start();
  api = fed.client();
  // a DNS server that never answers: a UDP socket that reads and drops every query
  silentDns = createSocket('udp4');
  silentDns.on('message', () => undefined);
  await new Promise<void>((resolve) => silentDns?.bind(0, '127.0.0.1', resolve));
}, 60_000);

afterAll(async () => {
  silentDns?.close();
  for (const m of members) await m.stop().catch(() => undefined);
  await fed?.stop();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('unjoin of an unreachable member', () => {
  it('times out with a --force hint, marks the Cluster CleanupFailed, and --force removes it', async () => {
    const gone = await joinMember('gone');
    await gone.stop(); // the member's port is closed from now on
    const waited = await cli('unjoin', 'gone', '--timeout', '1s');
    expect(waited.code, waited.stderr).toBe(1);
    expect(waited.stderr).toMatch(/^error: cluster\/gone is still being unjoined: .*within 1s/);
    expect(waited.stderr).toContain('hint: run `flotilla unjoin gone --force`');

    // past the controller's bound (3 s after the deletion): condition and event, finalizer kept
    const clusters = api.resource<Cluster>(CLUSTERS);
    await expect
      .poll(
        async () =>
          (await clusters.get('gone')).status?.conditions?.find((c) => c.type === 'CleanupFailed'),
        { timeout: 20_000, interval: 250 },
      )
      .toMatchObject({ status: 'True', reason: 'MemberCleanupFailed' });
    const c = await clusters.get('gone');
    expect(c.metadata.deletionTimestamp).toBeDefined();
    expect(c.metadata.finalizers).toContain(FINALIZER_CLUSTER_CLEANUP);
    const cond = c.status?.conditions?.find((x) => x.type === 'CleanupFailed');
    expect(cond?.message).toContain('could not be removed from member gone');
    expect(cond?.message).toContain('flotilla unjoin gone --force');
    const events = (await api.resource<Event>(EVENTS, 'default').list()).items.filter(
      (e) =>
        e.involvedObject.kind === 'Cluster' &&
        e.involvedObject.name === 'gone' &&
        e.source?.component === 'cluster-cleanup-controller',
    );
    expect(events).toEqual([
      expect.objectContaining({
        type: 'Warning',
        reason: 'MemberCleanupFailed',
        message: cond?.message,
      }),
    ]);

    // another unjoin stops at once on the condition, naming it
    const again = await cli('unjoin', 'gone');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(cond?.message ?? '');
    expect(again.stderr).toContain('--force');

    const forced = await cli('unjoin', 'gone', '--force');
    expect(forced).toMatchObject({ code: 0, stdout: 'cluster/gone unjoined\n' });
    expect(forced.stderr).toMatch(/^warning: .*objects the federation put there may remain\n$/);
    expect(await missing(clusters.get('gone'))).toBe(true);
    expect(await missing(api.resource(SECRETS, 'flotilla-system').get('cluster-gone'))).toBe(true);
  });

  it('a Pull cluster whose agent never releases its Works: CleanupFailed, then --force removes them', async () => {
    const clusters = api.resource<Cluster>(CLUSTERS);
    await clusters.create({
      apiVersion: 'cluster.flotilla.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'agentless' },
      spec: { apiEndpoint: 'https://127.0.0.1:1', syncMode: 'Pull' },
    });
    await expect
      .poll(async () => (await clusters.get('agentless')).metadata.finalizers, { timeout: 15_000 })
      .toContain(FINALIZER_CLUSTER_CLEANUP);
    const works = api.resource<Work>(WORKS, 'fed-es-agentless');
    await expect
      .poll(
        () =>
          works
            .create({
              apiVersion: 'work.flotilla.io/v1alpha1',
              kind: 'Work',
              metadata: { name: 'w1', finalizers: [FINALIZER_WORK_MEMBER_CLEANUP] },
              spec: { workload: { manifests: [] } },
            })
            .then(
              () => true,
              () => false,
            ),
        { timeout: 15_000 },
      )
      .toBe(true);
    const waited = await cli('unjoin', 'agentless', '--timeout', '1s');
    expect(waited.code, waited.stderr).toBe(1);
    expect(waited.stderr).toContain('hint: run `flotilla unjoin agentless --force`');
    await expect
      .poll(
        async () =>
          (await clusters.get('agentless')).status?.conditions?.find(
            (c) => c.type === 'CleanupFailed',
          )?.reason,
        { timeout: 20_000, interval: 250 },
      )
      .toBe('AgentCleanupPending');
    const forced = await cli('unjoin', 'agentless', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('may remain');
    expect(await missing(clusters.get('agentless'))).toBe(true);
    expect((await works.list()).items).toEqual([]);
  });

  it('a member whose DNS server never answers unjoins without waiting for it', async () => {
    await joinMember('quiet');
    const clusters = api.resource<Cluster>(CLUSTERS);
    const port = (silentDns?.address().port ?? 0).toString();
    // a merge patch: the health controller writes the Cluster's status meanwhile
    await clusters.patch(
      'quiet',
      { spec: { dns: { zone: 'quiet.flotilla.local', server: `127.0.0.1:${port}` } } },
      'merge',
    );
    // well under the 3 s cleanup bound: nothing in the cleanup asks the DNS server
    const r = await cli('unjoin', 'quiet', '--timeout', '2s');
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: 'cluster/quiet unjoined\n' });
    expect(await missing(clusters.get('quiet'))).toBe(true);
  });
});
