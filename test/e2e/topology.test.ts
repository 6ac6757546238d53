// The deployable topology end to end (hollow nodes, no Docker): the built local-up runs every
// component as its own process with one etcd per cluster, the federation's etcd as three members
// and two leader-elected federation controller managers. Checked against those processes: every
// binary's flags, the leader's crash, an etcd member's crash, a member cluster's crash (the
// member-failover example), a pull-mode member (the pull-member example), and that local-down
// leaves no process or port behind.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGMAPS, DEPLOYMENTS, LEASES, type Lease } from '../../api/index.js';
import { clientOptionsFor, loadKubeconfig } from '../../machinery/client/kubeconfig.js';
import { RestClient } from '../../machinery/client/rest-client.js';
import type { ProcessStatus } from '../../hack/lib/supervisor-types.js';
import { distScript, ensureBuilt } from '../support/binaries.js';

const run = promisify(execFile);
const root = resolve(new URL('../..', import.meta.url).pathname);
const state = mkdtempSync(join(tmpdir(), 'flotilla-topology-'));
const node = join(root, 'node_modules', '.bin', 'node');
const kubeconfig = join(state, 'kubeconfig');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ctl(...args: string[]): Promise<string> {
  return (
    await run(node, [join(root, 'dist/hack/local-ctl.js'), '--state', state, ...args], {
      timeout: 60_000,
    })
  ).stdout;
}

async function processes(): Promise<ProcessStatus[]> {
  return JSON.parse(await ctl('ps', '--json')) as ProcessStatus[];
}

async function kubectl(...args: string[]): Promise<string> {
  return (await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 })).stdout;
}

function client(context: string): RestClient {
  return new RestClient(clientOptionsFor(loadKubeconfig(kubeconfig, context)));
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(ms)} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The TCP ports the given pids listen on (`ss -ltnpH`). */
async function listeningPorts(pids: number[]): Promise<string[]> {
  const out = (await run('ss', ['-ltnpH'])).stdout;
  return out
    .split('\n')
    .filter((l) => pids.some((p) => l.includes(`pid=${String(p)},`)))
    .map((l) => l.split(/\s+/)[3] ?? '');
}

beforeAll(async () => {
  // the suite builds dist/ first: rebuilt here only when a source is newer than the build
  ensureBuilt(['hack/local-up.js', 'hack/local-ctl.js', 'hack/local-down.js'].map(distScript));
  const up = await run(
    node,
    [
      '--enable-source-maps',
      'dist/hack/local-up.js',
      '--detach',
      '--state',
      state,
      '--runtime',
      'hollow',
      '--members',
      '2',
      '--nodes',
      '1',
      '--etcd-members',
      '3',
      '--controller-managers',
      '2',
    ],
    { cwd: root, timeout: 240_000 },
  );
  expect(up.stdout).toContain('Local federation is up');
});

afterAll(async () => {
  await run(node, ['dist/hack/local-down.js', '--state', state], { cwd: root, timeout: 60_000 });
});

describe('deployable topology', () => {
  it('runs every component as its own process, with an etcd per cluster', async () => {
    const ps = await processes();
    const names = ps.map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'etcd-federation-0',
        'etcd-federation-1',
        'etcd-federation-2',
        'federation-apiserver',
        'federation-controller-manager-0',
        'federation-controller-manager-1',
        'promotion-service',
        'promotion-worker-1',
        'promotion-worker-2',
        'resolver',
        ...['member1', 'member2'].flatMap((m) => [
          `etcd-${m}`,
          `${m}-apiserver`,
          `${m}-controller-manager`,
          `${m}-kubelet-1`,
          `${m}-cluster-dns`,
        ]),
      ]),
    );
    const pids = ps.map((p) => p.pid);
    expect(new Set(pids).size).toBe(ps.length);
    for (const p of ps) {
      expect(p.state).toBe('running');
      const cmdline = readFileSync(`/proc/${String(p.pid)}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (p.name.startsWith('etcd-')) expect(cmdline).toMatch(/etcd .*--data-dir/);
      else expect(cmdline).toMatch(/node .*dist\/[a-z]+\/cmd\/[a-z-]+\.js/);
    }
    // each cluster's API server talks to its own etcd
    const etcdOf = (name: string): string =>
      readFileSync(`/proc/${String(ps.find((p) => p.name === name)?.pid)}/cmdline`, 'utf8')
        .split('\0')
        .join(' ')
        .replace(/.*--etcd-servers (\S+).*/, '$1');
    expect(
      new Set(['federation-apiserver', 'member1-apiserver', 'member2-apiserver'].map(etcdOf)).size,
    ).toBe(3);
  });

  it('every binary answers --help and refuses an unknown flag with exit 2', async () => {
    const bins = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
        bin: Record<string, string>;
      }
    ).bin;
    // two binaries at a time, each asked both at once (every run is a Node start-up, CPU only)
    const ask = async ([name, path]: [string, string]) => {
      const [help, bad] = await Promise.all([
        run(node, [join(root, path), '--help']),
        run(node, [join(root, path), '--no-such-flag']).then(
          () => ({ code: 0, stderr: '' }),
          (err: { code: number; stderr: string }) => err,
        ),
      ]);
      return { name, help, bad };
    };
    const queue = Object.entries(bins);
    const answers: Awaited<ReturnType<typeof ask>>[] = [];
    await Promise.all(
      [0, 1].map(async () => {
        for (let next = queue.shift(); next; next = queue.shift()) answers.push(await ask(next));
      }),
    );
    expect(answers).toHaveLength(Object.keys(bins).length);
    for (const { name, help, bad } of answers) {
      expect(help.stdout, name).toMatch(/usage/i);
      expect(bad.code, name).toBe(2);
      expect(bad.stderr, name).toMatch(/no-such-flag/);
    }
  });

  it('two controller managers: after kill -9 of the leader, a Deployment created 1 s later reaches both members within 20 s, created once', async () => {
    const fed = client('federation');
    const lease = await fed
      .resource<Lease>(LEASES, 'kube-system')
      .get('flotilla-controller-manager');
    const leader = lease.spec.holderIdentity ?? '';
    expect(leader).not.toBe('');
    const ps = await processes();
    const managers = ps.filter((p) => p.name.startsWith('federation-controller-manager-'));
    const leaderProcess = managers.find((p) =>
      readFileSync(join(state, 'logs', `${p.name}.log`), 'utf8').includes(`identity ${leader}`),
    );
    expect(leaderProcess).toBeDefined();
    // every ADDED event of the Deployment in each member, from before the crash on
    const added: Record<string, number> = { member1: 0, member2: 0 };
    const watches = (['member1', 'member2'] as const).map((m) => {
      const w = client(m).resource(DEPLOYMENTS, 'default').watch();
      void (async () => {
        for await (const ev of w) {
          if (ev.type === 'ADDED' && ev.object.metadata.name === 'ha-web') {
            added[m] = (added[m] ?? 0) + 1;
          }
        }
      })().catch(() => undefined);
      return w;
    });
    try {
      await ctl('kill', leaderProcess?.name ?? '', '--signal', 'SIGKILL');
      await new Promise((r) => setTimeout(r, 1000));
      const start = Date.now();
      await kubectl(
        '--context',
        'federation',
        'apply',
        '-f',
        join(root, 'test/e2e/testdata/ha-web.yaml'),
      );
      for (const m of ['member1', 'member2']) {
        await until(
          `ha-web in ${m}`,
          () => client(m).resource(DEPLOYMENTS, 'default').get('ha-web'),
          20_000,
        );
      }
      expect(Date.now() - start).toBeLessThan(20_000);
      // the other manager holds the Lease now (or the restarted one took it back: not the dead pid)
      const after = await fed
        .resource<Lease>(LEASES, 'kube-system')
        .get('flotilla-controller-manager');
      expect(after.spec.holderIdentity).not.toBe(leader);
      // a few resyncs later, still one create per member
      await new Promise((r) => setTimeout(r, 6000));
      expect(added).toEqual({ member1: 1, member2: 1 });
    } finally {
      for (const w of watches) w.stop();
      await kubectl(
        '--context',
        'federation',
        'delete',
        '-f',
        join(root, 'test/e2e/testdata/ha-web.yaml'),
        '--wait=false',
      );
    }
  });

  it('keeps accepting writes and watches with one of three etcd members killed; the member rejoins', async () => {
    const fed = client('federation');
    const seen = new Set<string>();
    const w = fed.resource(CONFIGMAPS, 'default').watch();
    void (async () => {
      for await (const ev of w) {
        if (ev.type === 'ADDED') seen.add(ev.object.metadata.name ?? '');
      }
    })().catch(() => undefined);
    try {
      const ps = await processes();
      const victim = ps.find((p) => p.name === 'etcd-federation-1');
      const endpoint = readFileSync(`/proc/${String(victim?.pid)}/cmdline`, 'utf8')
        .split('\0')
        .join(' ')
        .replace(/.*--advertise-client-urls (\S+).*/, '$1');
      await ctl('stop', 'etcd-federation-1', '--signal', 'SIGKILL');
      const names = Array.from({ length: 10 }, (_, i) => `during-etcd-crash-${String(i)}`);
      for (const n of names) {
        await kubectl('--context', 'federation', 'create', 'configmap', n, '--from-literal=k=v');
      }
      await until(
        'the watch to see every write',
        () => Promise.resolve(names.every((n) => seen.has(n)) ? true : undefined),
        15_000,
      );
      await ctl('start', 'etcd-federation-1');
      // the restarted member serves what was written while it was down
      const pki = join(state, 'pki', 'federation');
      const etcd = new Etcd3({
        hosts: endpoint,
        credentials: {
          rootCertificate: readFileSync(join(pki, 'etcd-ca.crt')),
          certChain: readFileSync(join(pki, 'etcd-client.crt')),
          privateKey: readFileSync(join(pki, 'etcd-client.key')),
        },
      });
      try {
        const keys = await until(
          'the rejoined member to hold the new keys',
          async () => {
            const ks = await etcd.getAll().prefix('/flotilla/federation').keys();
            return names.every((n) => ks.some((k) => k.endsWith(`/${n}`))) ? ks : undefined;
          },
          30_000,
        );
        expect(keys.length).toBeGreaterThan(names.length);
      } finally {
        etcd.close();
      }
    } finally {
      w.stop();
    }
  });

  // The two examples below touch disjoint clusters (member1/member2 vs their own pull1): they run
  // at the same time, so the pull member's set-up overlaps member2's health window.
  it.concurrent(
    'a member crash: NotReady within 40 s, replicas move to member1, back Ready and rebalanced, nothing lost (member-failover example)',
    async ({ expect }) => {
      const out = (
        await run('bash', [join(root, 'examples/member-failover.sh'), state], { timeout: 240_000 })
      ).stdout;
      expect(out).toContain('divided: member1 4, member2 2');
      expect(out).toMatch(/member2 NotReady after \d+ s/);
      expect(out).toContain('failed over: member1 6 replicas');
      expect(out).toContain('rebalanced: member1 4, member2 2');
      expect(out).toContain('failover-canary written=before-the-crash');
    },
  );

  it.concurrent(
    'a pull-mode member registers with a bootstrap token, receives a Deployment and reports its status (pull-member example)',
    async ({ expect }) => {
      const out = (
        await run('bash', [join(root, 'examples/pull-member.sh'), state], { timeout: 240_000 })
      ).stdout;
      expect(out).toContain('cluster/pull1 registered (syncMode Pull)');
      expect(out).toMatch(/pull1\s+True\s+Pull/);
      expect(out).toContain(
        'the agent applied it: work.work.flotilla.io/deployment.default.pull-demo',
      );
      expect(out).toMatch(/status reported back: .*"availableReplicas":2,"cluster":"pull1"/);
      expect(out).toContain('deleted at the federation, gone from pull1');
    },
  );

  it('local-down leaves no process and no listening port behind', async () => {
    const ps = await processes();
    const pids = ps.map((p) => p.pid).filter((p): p is number => p !== null);
    const localUp = Number(readFileSync(join(state, 'local-up.pid'), 'utf8'));
    const ports = await listeningPorts([...pids, localUp]);
    expect(ports.length).toBeGreaterThan(10);
    await run(node, ['dist/hack/local-down.js', '--state', state], { cwd: root, timeout: 60_000 });
    expect([...pids, localUp].filter(alive)).toEqual([]);
    const still = (await run('ss', ['-ltnH'])).stdout;
    expect(ports.filter((p) => still.split('\n').some((l) => l.split(/\s+/)[3] === p))).toEqual([]);
    // nothing else started from this state folder is left either
    const leftovers = (await run('ps', ['-eo', 'pid=,args='])).stdout
      .split('\n')
      .filter((l) => l.includes(state) && !l.includes('ps -eo'));
    expect(leftovers).toEqual([]);
  });
});
