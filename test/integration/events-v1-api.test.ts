// events.k8s.io/v1 Events through the real kubectl, against a real member API server and the
// federation API server (one etcd): the same objects as core/v1 Events (one storage, two API
// versions), converted on read and write — an Event written as core/v1 lists through the new group
// with note/regarding/reportingController, one created through the new group reads as core/v1,
// `kubectl events` and `kubectl api-resources` work, and a watch through the new group sees a core
// Event as it is created.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, EventsV1Event } from '../../api/index.js';
import { MASTERS_GROUP } from '../../machinery/auth/user-info.js';
import { kubeconfigFor } from '../../machinery/client/kubeconfig.js';
import { startEtcd, type EtcdService } from '../../hack/lib/services.js';
import {
  runFederationApiServer,
  type FederationApiServer,
} from '../../federation/apiserver/federation-apiserver.js';
import { startMemberApiServer, type RunningMemberApiServer } from '../../member/apiserver/index.js';
import { memberAuthentication } from '../support/member-api-fixture.js';

const run = promisify(execFile);
type Target = 'member' | 'federation';
let etcd: EtcdService;
let member: RunningMemberApiServer;
let federation: FederationApiServer;
let dir: string;
const configs = new Map<Target, string>();

function kubectlArgs(target: Target, args: string[]): string[] {
  return [
    '--kubeconfig',
    configs.get(target) ?? '',
    '--cache-dir',
    join(dir, `cache-${target}`),
    ...args,
  ];
}

/** kubectl against `target`; throws with stderr when it fails. */
async function kubectl(target: Target, ...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', kubectlArgs(target, args), { timeout: 20_000 });
  return stdout;
}

/** `kubectl create -f` of `obj` (a file: kubectl sends it as JSON to the object's group). */
async function create(target: Target, obj: object): Promise<string> {
  const file = join(dir, `${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(obj));
  return kubectl(target, 'create', '-f', file);
}

function writeKubeconfig(
  target: Target,
  server: string,
  ca: string,
  cert: { cert: string; key: string },
): void {
  const file = join(dir, `${target}.kubeconfig`);
  writeFileSync(file, kubeconfigFor({ name: target, server, caCert: ca, clientCert: cert }));
  configs.set(target, file);
}

beforeAll(async () => {
  await run('kubectl', ['version', '--client']).catch(() => {
    throw new Error('kubectl is not installed on this machine');
  });
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), 'flotilla-events-v1-'));
  const prefix = `/test-${randomUUID().slice(0, 8)}`;
  const auth = memberAuthentication('evv1');
  member = await startMemberApiServer({
    clusterName: 'evv1',
    etcdEndpoints: [etcd.endpoint],
    etcdPrefix: `${prefix}/member`,
    auth,
  });
  writeKubeconfig('member', member.url, member.tls.cert, auth.clientCert('admin', [MASTERS_GROUP]));
  federation = await runFederationApiServer({
    etcdEndpoints: [etcd.endpoint],
    etcdPrefix: `${prefix}/federation`,
    dashboard: false,
  });
  writeKubeconfig(
    'federation',
    federation.url,
    federation.cert.cert,
    federation.auth.clientCert('admin', [MASTERS_GROUP]),
  );
}, 60_000);

afterAll(async () => {
  await member?.stop();
  await federation?.stop();
  await etcd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A MicroTime (microseconds), as eventTime is written. */
const now = (): string => new Date().toISOString().replace('Z', '000Z');

/** A core/v1 Event about pod `pod` in default, as the kubelet writes one. */
function coreEvent(name: string, pod: string): Event {
  const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', name: pod, namespace: 'default', apiVersion: 'v1' },
    reason: 'Pulled',
    message: `pulled the image of ${pod}`,
    type: 'Normal',
    count: 1,
    firstTimestamp: t,
    lastTimestamp: t,
    source: { component: 'kubelet', host: 'n1' },
    reportingComponent: 'kubelet',
    reportingInstance: 'n1',
  };
}

describe.each<Target>(['member', 'federation'])('events.k8s.io/v1 on the %s', (target) => {
  const tag = `${target}-${randomUUID().slice(0, 6)}`;

  it('lists both groups in discovery and api-resources', async () => {
    const out = await kubectl(target, 'api-resources', '--api-group=events.k8s.io');
    expect(out).toMatch(/^events\s+events\.k8s\.io\/v1\s+true\s+Event$/m);
    const core = await kubectl(target, 'api-resources', '--api-group=');
    expect(core).toMatch(/^events\s+ev\s+v1\s+true\s+Event$/m);
  });

  it('explains events.k8s.io/v1 Events from their own schema', async () => {
    // kubectl explain reads dots as a field path: the group goes in --api-version
    const out = await kubectl(target, 'explain', 'events', '--api-version=events.k8s.io/v1');
    expect(out).toContain('GROUP:      events.k8s.io');
    expect(out).toMatch(/^ {2}note\s+<string>$/m);
    expect(out).toMatch(/^ {2}regarding\s+<ObjectReference>$/m);
  });

  it('serves a core/v1 Event through events.k8s.io/v1 with the new field names', async () => {
    await create(target, coreEvent(`core-${tag}`, `web-${tag}`));
    const list = JSON.parse(
      await kubectl(target, 'get', 'events.events.k8s.io', '-A', '-o', 'json'),
    ) as { items: EventsV1Event[] };
    const ev = list.items.find((e) => e.metadata.name === `core-${tag}`);
    expect(ev).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      note: `pulled the image of web-${tag}`,
      regarding: { kind: 'Pod', name: `web-${tag}` },
      reportingController: 'kubelet',
      deprecatedSource: { component: 'kubelet', host: 'n1' },
      deprecatedCount: 1,
    });
    expect(ev).not.toHaveProperty('message');
    // the field selector speaks the new group's names
    const sel = await kubectl(
      target,
      'get',
      'events.events.k8s.io',
      '-n',
      'default',
      '--field-selector',
      `regarding.name=web-${tag}`,
      '-o',
      'name',
    );
    expect(sel.trim()).toBe(`event.events.k8s.io/core-${tag}`);
  });

  it('stores an events.k8s.io/v1 Event that reads as core/v1, and kubectl events shows it', async () => {
    const ev: EventsV1Event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `new-${tag}`, namespace: 'default' },
      eventTime: now(),
      reportingController: 'example.com/rollout',
      reportingInstance: 'rollout-0',
      action: 'Scale',
      reason: 'ScaledUp',
      regarding: {
        kind: 'Deployment',
        name: `app-${tag}`,
        namespace: 'default',
        apiVersion: 'apps/v1',
      },
      note: `scaled app-${tag} to 3`,
      type: 'Normal',
    };
    expect(await create(target, ev)).toContain(`event.events.k8s.io/new-${tag} created`);
    const core = JSON.parse(
      await kubectl(target, 'get', 'event', `new-${tag}`, '-o', 'json'),
    ) as Event;
    expect(core).toMatchObject({
      apiVersion: 'v1',
      message: `scaled app-${tag} to 3`,
      involvedObject: { kind: 'Deployment', name: `app-${tag}` },
      reportingComponent: 'example.com/rollout',
      reportingInstance: 'rollout-0',
      action: 'Scale',
    });
    expect(await kubectl(target, 'events', '-n', 'default')).toMatch(
      new RegExp(`ScaledUp\\s+Deployment/app-${tag}\\s+scaled app-${tag} to 3`),
    );
    // a core/v1 write is seen through the new group, and a delete through it removes both
    await kubectl(target, 'patch', 'event', `new-${tag}`, '--type=merge', '-p', '{"message":"x"}');
    expect(
      await kubectl(target, 'get', 'events.events.k8s.io', `new-${tag}`, '-o', 'jsonpath={.note}'),
    ).toBe('x');
    await kubectl(target, 'delete', 'events.events.k8s.io', `new-${tag}`);
    await expect(kubectl(target, 'get', 'event', `new-${tag}`)).rejects.toThrow(/NotFound/);
  });

  it('refuses an events.k8s.io/v1 Event without the fields the new API requires', async () => {
    const bad = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: `bad-${tag}` } };
    await expect(create(target, bad)).rejects.toThrow(/reportingController: Required value/);
  });

  it('watches core/v1 Events through events.k8s.io/v1', async () => {
    const name = `watched-${tag}`;
    const child = spawn(
      'kubectl',
      kubectlArgs(target, [
        'get',
        'events.events.k8s.io',
        '-n',
        'default',
        '--watch-only',
        '-o',
        'jsonpath={.metadata.name} {.note}{"\\n"}',
      ]),
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      // the watch is established before the write (kubectl prints nothing until then)
      await new Promise((r) => setTimeout(r, 1500));
      await create(target, coreEvent(name, `db-${tag}`));
      await expect
        .poll(() => out, { timeout: 10_000 })
        .toContain(`${name} pulled the image of db-${tag}`);
    } finally {
      if (child.pid !== undefined) child.kill();
    }
  });
});
