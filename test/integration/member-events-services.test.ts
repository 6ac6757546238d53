// A member's default Services and the kubelet's and scheduler's Events, against a real member
// (etcd, API server, controllers, scheduler, two hollow kubelets, cluster DNS) through the real
// kubectl and dig: `kubernetes` and `kube-dns` with their Endpoints (re-created when deleted), the
// ClusterIP answered by the cluster DNS (never dialled), Failed/BackOff events of a pod whose image
// the hollow runtime refuses (`hollow-missing:*`), FailedScheduling of an unschedulable pod.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterDns } from '../../dns/index.js';
import { freePort } from '../../hack/lib/ports.js';
import type { Endpoints, Event, Service } from '../../api/index.js';
import type { MemberCluster } from '../../member/cluster/member-cluster.js';
import { memberKubectl, startHollowMember, type HollowMember } from '../support/hollow-member.js';

const run = promisify(execFile);
const ZONE = 'evsvc.flotilla.local';
let env: HollowMember;
let member: MemberCluster;
const poll = { timeout: 30_000, interval: 250 };

const { kubectl, getJson, apply } = memberKubectl(() => env);

/** `reason: message` of the events about pod `name` in default. */
async function podEvents(name: string): Promise<string[]> {
  const list = await getJson<{ items: Event[] }>(
    'events',
    '-n',
    'default',
    '--field-selector',
    `involvedObject.name=${name}`,
  );
  return list.items.map((e) => `${e.reason ?? ''}: ${e.message ?? ''}`);
}

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  await run('dig', ['-v']).catch(() => {
    throw new Error('dig is not installed on this machine');
  });
  env = await startHollowMember('flotilla-events-services-', {
    name: 'it-evsvc',
    nodes: 2,
    clusterIndex: 79,
    dns: createClusterDns,
    dnsPort: await freePort(),
    clusterDomain: ZONE,
    kubelet: { heartbeatMs: 300, syncPeriodMs: 200, imagePullBaseMs: 500, imagePullMaxMs: 2000 },
  });
  ({ member } = env);
});

afterAll(async () => {
  await env?.stop();
});

describe('default Services and Events of a member', () => {
  it('serves kubernetes and kube-dns with Endpoints at the real API server and DNS ports', async () => {
    const api = new URL(member.url);
    await expect
      .poll(() => kubectl('get', 'endpoints', 'kubernetes', '-n', 'default'), poll)
      .toContain(`${api.hostname}:${api.port}`);
    expect(await kubectl('get', 'svc', 'kubernetes', '-n', 'default')).toMatch(
      /kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443\/TCP/,
    );
    const ep = await getJson<Endpoints>('endpoints', 'kubernetes', '-n', 'default');
    expect(ep.subsets).toEqual([
      {
        addresses: [{ ip: api.hostname }],
        ports: [{ name: 'https', port: Number(api.port), protocol: 'TCP' }],
      },
    ]);
    const dns = member.dnsAddress;
    const dnsEp = await getJson<Endpoints>('endpoints', 'kube-dns', '-n', 'kube-system');
    expect(dnsEp.subsets?.[0]?.ports).toEqual([
      { name: 'dns', port: dns?.port, protocol: 'UDP' },
      { name: 'dns-tcp', port: dns?.port, protocol: 'TCP' },
    ]);
    const svc = await getJson<Service>('svc', 'kube-dns', '-n', 'kube-system');
    expect(svc.metadata.labels?.['k8s-app']).toBe('kube-dns');
    expect(
      svc.spec.ports?.map((p) => `${p.name ?? ''} ${String(p.port)}/${p.protocol ?? ''}`),
    ).toEqual(['dns 53/UDP', 'dns-tcp 53/TCP']);
    // kubectl's table of every namespace still prints, with both Services in it
    const all = await kubectl('get', 'svc', '-A');
    expect(all).toMatch(/default\s+kubernetes\s+ClusterIP\s+10\.96\.0\.1/);
    expect(all).toMatch(
      /kube-system\s+kube-dns\s+ClusterIP\s+10\.96\.0\.10\s+<none>\s+53\/UDP,53\/TCP/,
    );
  });

  it('answers kubernetes.default.svc.<zone> with the ClusterIP (data only, never dialled)', async () => {
    const dig = async (): Promise<string> =>
      (
        await run('dig', [
          '@127.0.0.1',
          '-p',
          String(member.dnsAddress?.port ?? 0),
          '+short',
          '+time=2',
          '+tries=1',
          `kubernetes.default.svc.${ZONE}`,
        ])
      ).stdout.trim();
    await expect.poll(dig, poll).toBe('10.96.0.1');
  });

  it('re-creates kube-dns when it is deleted', async () => {
    const before = await getJson<Service>('svc', 'kube-dns', '-n', 'kube-system');
    await kubectl('delete', 'svc', 'kube-dns', '-n', 'kube-system');
    await expect
      .poll(async () => {
        const s = await getJson<Service>('svc', 'kube-dns', '-n', 'kube-system').catch(
          () => undefined,
        );
        return s && s.metadata.uid !== before.metadata.uid ? s.spec.clusterIP : undefined;
      }, poll)
      .toBe('10.96.0.10');
  });

  it('records Failed and BackOff for an image the runtime cannot pull', async () => {
    await apply(
      'missing',
      `apiVersion: v1
kind: Pod
metadata: {name: missing, namespace: default}
spec:
  containers: [{name: c, image: "hollow-missing:1"}]
`,
    );
    await expect
      .poll(() => podEvents('missing'), poll)
      .toEqual(
        expect.arrayContaining([
          'Pulling: Pulling image "hollow-missing:1"',
          'Failed: failed to pull image "hollow-missing:1": repository hollow-missing not found',
          'Failed: Error: ErrImagePull',
          'BackOff: Back-off pulling image "hollow-missing:1"',
        ]),
      );
    const events = await getJson<{ items: Event[] }>(
      'events',
      '-n',
      'default',
      '--field-selector',
      'involvedObject.name=missing,reason=BackOff',
    );
    expect(events.items[0]).toMatchObject({
      type: 'Normal',
      involvedObject: { kind: 'Pod', name: 'missing', fieldPath: 'spec.containers{c}' },
      source: { component: 'kubelet' },
    });
    expect(events.items[0]?.source?.host).toMatch(/^it-evsvc-node-\d$/);
    expect(await kubectl('describe', 'pod', 'missing', '-n', 'default')).toMatch(
      /Warning\s+Failed\s+.*kubelet\s+Error: ErrImagePull/,
    );
  });

  it('records FailedScheduling for a pod no node fits', async () => {
    await apply(
      'nowhere',
      `apiVersion: v1
kind: Pod
metadata: {name: nowhere, namespace: default}
spec:
  nodeSelector: {disk: none-such}
  containers: [{name: c, image: busybox}]
`,
    );
    await expect
      .poll(async () => (await podEvents('nowhere')).join('\n'), poll)
      .toMatch(/^FailedScheduling: 0\/2 nodes are available/m);
  });
});
