// The README quick start end to end: the built hack/local-up (dist/, run by the Node 24 runtime from
// node_modules, as `npm run setup` does) brings up a federation with two Docker
// member clusters, cluster DNS, the central resolver and image promotion between a dev and a prod
// registry (in its own state folder, so a developer's running federation is left alone); both
// examples run against it; local-down stops it.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distScript, ensureBuilt } from '../support/binaries.js';

const run = promisify(execFile);
const root = resolve(new URL('../..', import.meta.url).pathname);
const state = mkdtempSync(join(tmpdir(), 'flotilla-quick-start-'));
/** The runtime `npm run setup` uses: the `node` package's binary, not the machine's Node. */
const node = join(root, 'node_modules', '.bin', 'node');
/** The built set-up scripts the test runs. */
const LOCAL_SCRIPTS = ['hack/local-up.js', 'hack/local-ctl.js', 'hack/local-down.js'].map(
  distScript,
);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function kubectl(...args: string[]): Promise<string> {
  return (
    await run('kubectl', ['--kubeconfig', join(state, 'kubeconfig'), ...args], { timeout: 60_000 })
  ).stdout;
}

beforeAll(async () => {
  // the suite builds dist/ first: rebuilt here only when a source is newer than the build
  ensureBuilt(LOCAL_SCRIPTS);
  const up = await run(
    node,
    [
      '--enable-source-maps',
      'dist/hack/local-up.js',
      '--detach',
      '--state',
      state,
      '--members',
      '2',
      '--nodes',
      '1',
    ],
    { cwd: root, timeout: 240_000 },
  );
  expect(up.stdout).toContain('Local federation is up');
});

afterAll(async () => {
  await run(node, ['dist/hack/local-down.js', '--state', state], { cwd: root, timeout: 60_000 });
});

/** The audit.k8s.io/v1 Event fields the assertions read. */
interface AuditLine {
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; name?: string };
  responseStatus: { code: number };
  requestObject?: unknown;
}

let promotedRequest = '';

/** Every regular file below `dir`. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

describe('quick start', () => {
  it('runs the built JavaScript on the Node 24 LTS runtime, without the tsx loader', async () => {
    const pid = Number(readFileSync(join(state, 'local-up.pid'), 'utf8'));
    const cmdline = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0');
    expect(cmdline.join(' ')).toMatch(/dist\/hack\/local-up\.js/);
    expect(cmdline.join(' ')).not.toMatch(/tsx/);
    const exe = readlinkSync(`/proc/${String(pid)}/exe`);
    expect((await run(exe, ['--version'])).stdout).toMatch(/^v24\./);
    const ps = (await run('ps', ['-o', 'args=', '-p', String(pid)])).stdout;
    expect(ps).toMatch(/node .*dist\/hack\/local-up\.js/);
  });

  it('brings up a federation with two joined, Ready members and their DNS', async () => {
    expect(await kubectl('--context', 'member1', 'get', 'nodes', '-o', 'name')).toBe(
      'node/member1-node-1\n',
    );
    await expect
      .poll(
        async () =>
          kubectl(
            '--context',
            'federation',
            'get',
            'clusters',
            '-o',
            'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}',
          ),
        { timeout: 60_000, interval: 200 },
      )
      .toBe('member1=True member2=True ');
    expect(readFileSync(join(state, 'resolver'), 'utf8')).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('runs the web-divided example: 4 + 2 replicas, a federation-wide DNS name, 6 answering endpoints', async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'web-divided.sh'), state], {
      cwd: root,
      timeout: 240_000,
    });
    expect(stdout).toContain('member1: 4 pods');
    expect(stdout).toContain('member2: 2 pods');
    // the federation-wide name answers the six pods' own addresses (loopback, one per pod, none a
    // node address 127.0.10x.y)
    const names = stdout.slice(stdout.indexOf('web.default.fleet.svc.flotilla.local:'));
    const addrs = new Set(names.match(/^127\.\d+\.\d+\.\d+$/gm) ?? []);
    expect(addrs.size, stdout).toBe(6);
    expect([...addrs].filter((a) => a.startsWith('127.0.'))).toEqual([]);
    expect(stdout.match(/-> hello from flotilla/g)).toHaveLength(6);
  });

  it('runs the access-control example: 401 without credentials, RBAC per user, dry runs change nothing', async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'access-control.sh'), state], {
      cwd: root,
      timeout: 120_000,
    });
    expect(stdout.match(/HTTP 401/g)).toHaveLength(4);
    expect(stdout).toMatch(/federation-alice is alice \[/);
    expect(stdout).toContain('alice can list secrets: no');
    expect(stdout).toContain('alice can delete clusters: no');
    expect(stdout).toContain('alice can create promotionrequests: yes');
    expect(stdout).toContain('bob can approve promotions: yes');
    expect(stdout).toMatch(/alice lists secrets: \(Forbidden\)/);
    expect(stdout).toMatch(/^- +replicas: 6$/m);
    expect(stdout).toMatch(/^\+ +replicas: 3$/m);
    expect(stdout).toMatch(/deployment\.apps\/web configured \(server dry run\)/);
    expect(stdout).toMatch(/member replicas 4\+2 -> 4\+2/);
  });

  it('deleting web-divided at the federation removes it from the members', async () => {
    await kubectl(
      '--context',
      'federation',
      'delete',
      '-f',
      join(root, 'examples', 'web-divided.yaml'),
    );
    await expect
      .poll(
        async () => (await kubectl('--context', 'member2', 'get', 'pods', '-o', 'name')).trim(),
        {
          timeout: 60_000,
          interval: 200,
        },
      )
      .toBe('');
  });

  it('runs the member-workloads example: a Job, a StatefulSet in order and a DaemonSet in member1', async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'member-workloads.sh'), state], {
      cwd: root,
      timeout: 300_000,
    });
    expect(stdout).toContain('job/count: 4');
    expect(stdout).toContain('statefulset/db: 3');
    expect(stdout).toContain('daemonset/node-agent: 1');
    expect(stdout).toMatch(/db-0 hostname=db-0 subdomain=db\n\s*db-1 hostname=db-1/);
    await kubectl(
      '--context',
      'member1',
      'delete',
      '-f',
      join(root, 'examples', 'member-workloads.yaml'),
      '--wait=false',
    );
  });

  it('runs the promote-image example: push to dev, self-approval refused, approval copies to prod by digest', async () => {
    const { stdout, stderr } = await run(
      'bash',
      [join(root, 'examples', 'promote-image.sh'), state],
      { cwd: root, timeout: 180_000 },
    );
    const digest = /pushed \S+ \((sha256:[0-9a-f]{64})\)/.exec(stdout)?.[1];
    expect(digest).toBeDefined();
    // alice holds no approve right at all (RBAC): her approvals are refused before any policy check
    expect(stderr).toMatch(/User "alice" cannot create resource "promotionrequests\/approval"/);
    expect(stdout).toMatch(/Succeeded\s+dev→prod app\/web@/);
    expect(stdout).toContain(`prod serves app/web@${digest ?? ''}`);
    promotedRequest = /push created promotionrequest\/(\S+)/.exec(stdout)?.[1] ?? '';
  });

  it('audits the join, the approval and the promotion copy with their users', () => {
    expect(promotedRequest).not.toBe('');
    const events = readFileSync(join(state, 'audit', 'federation.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditLine);
    const by = (user: string, resource: string, verb: string, sub?: string): AuditLine[] =>
      events.filter(
        (e) =>
          e.user.username === user &&
          e.objectRef?.resource === resource &&
          e.objectRef.subresource === sub &&
          e.verb === verb &&
          e.responseStatus.code < 300,
      );
    const joins = by('admin', 'clusters', 'create').map((e) => e.objectRef?.name);
    expect(joins).toEqual(expect.arrayContaining(['member1', 'member2']));
    const approvals = by('bob', 'promotionrequests', 'create', 'approval');
    expect(approvals.map((e) => e.objectRef?.name)).toContain(promotedRequest);
    // the worker's copy ends with its status write: phase Succeeded, by the promotion service
    const copied = by('system:promotion', 'promotionrequests', 'update', 'status').filter(
      (e) =>
        e.objectRef?.name === promotedRequest &&
        JSON.stringify(e.requestObject ?? {}).includes('"Succeeded"'),
    );
    expect(copied.length).toBeGreaterThan(0);
    // alice's refused self-approvals are on record too
    expect(
      events.some(
        (e) =>
          e.user.username === 'alice' &&
          e.objectRef?.subresource === 'approval' &&
          e.responseStatus.code === 403,
      ),
    ).toBe(true);
  });

  it('keeps Secret values out of every file in the state folder (etcd data, logs, audit)', async () => {
    const value = `s3cr3t-${randomBytes(12).toString('hex')}`;
    const manifest = `apiVersion: v1\nkind: Secret\nmetadata: {name: quick-start-probe}\nstringData: {password: ${value}}\n`;
    for (const ctx of ['federation', 'member1']) {
      await run('sh', [
        '-c',
        `printf '%s' "$1" | kubectl --kubeconfig "$2" --context "$3" apply -f -`,
        'sh',
        manifest,
        join(state, 'kubeconfig'),
        ctx,
      ]);
    }
    // the member credentials the federation stores (join) are Secrets too
    const creds = JSON.parse(
      await kubectl(
        '--context',
        'federation',
        'get',
        'secrets',
        '-n',
        'flotilla-system',
        '-o',
        'json',
      ),
    ) as { items: { data?: Record<string, string> }[] };
    const credValues = creds.items.flatMap((i) => Object.values(i.data ?? {}));
    expect(credValues.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2000));
    const needles = [value, Buffer.from(value).toString('base64'), ...credValues].map((n) =>
      Buffer.from(n),
    );
    const hits: string[] = [];
    for (const file of filesUnder(state)) {
      // kubeconfigs and the docker client config are credential files the set-up writes for its
      // users on purpose (mode 0600); what is checked is where Secrets are stored, logged, audited
      if (/kubeconfig$|docker-alice/.test(file)) continue;
      const bytes = readFileSync(file);
      if (needles.some((n) => bytes.includes(n))) hits.push(file);
    }
    expect(hits).toEqual([]);
    expect(filesUnder(join(state, 'etcd')).length).toBeGreaterThan(0);
  });

  it('runs the join-kubelet example: a kubelet started by hand joins member1 with a bootstrap token, runs a pod, serves its log', async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'join-kubelet.sh'), state], {
      cwd: root,
      timeout: 180_000,
    });
    expect(stdout).toContain('node member1-extra is Ready');
    expect(stdout).toMatch(
      /kubernetes\.io\/kube-apiserver-client-kubelet\s+system:bootstrap:\w+\s+Approved/,
    );
    expect(stdout).toMatch(
      /kubernetes\.io\/kubelet-serving\s+system:node:member1-extra\s+Approved/,
    );
    expect(stdout).toContain('kubectl logs hello-extra: hello from the node that joined by hand');
  });

  it('runs the exec-into-pod example: kubectl exec, cp, attach and port-forward reach a container through the kubelet', async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'exec-into-pod.sh'), state], {
      cwd: root,
      timeout: 180_000,
    });
    expect(stdout).toContain("ok: kubectl exec: stdout 'hi', stderr 'err', exit code 3");
    expect(stdout).toMatch(/ok: kubectl cp into the pod and back/);
    expect(stdout).toMatch(/ok: kubectl port-forward :\d+ -> 8080, curl: /);
    expect(stdout).toContain('all checks passed');
  });

  it('runs the debug-pod example: kubectl debug adds an ephemeral container that sees the target, copies a pod and debugs a node', async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'debug-pod.sh'), state], {
      cwd: root,
      timeout: 180_000,
    });
    expect(stdout).toMatch(/ok: kubectl debug --target=main: logs say 'hi', ps shows the target's/);
    expect(stdout).toContain('ok: kubectl debug -i: got hello');
    expect(stdout).toMatch(
      /ok: kubectl debug --copy-to: pod debug-demo-copy with containers 'main dbg'/,
    );
    expect(stdout).toMatch(
      /ok: kubectl debug node\/\S+: pod node-debugger-\S+ on the node's address/,
    );
    expect(stdout).toContain('all checks passed');
  });

  it('runs the rollout-undo example: kubectl rollout history and undo at the federation, revision 1 back in both members', async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'rollout-undo.sh'), state], {
      cwd: root,
      timeout: 240_000,
    });
    expect(stdout).toMatch(
      /history at the federation:[\s\S]*\n1\s+v1: first release\n2\s+v2: set env VERSION=v2\n3\s+v3: set env VERSION=v3\n/,
    );
    expect(stdout).toMatch(/deployment\.apps\/rollout-demo rolled back/);
    expect(stdout).toMatch(/after undo:[\s\S]*\n2\s+v2:.*\n3\s+v3:.*\n4\s+v1: first release\n/);
    expect(stdout).toContain('federation: VERSION=v1');
    expect(stdout).toContain('member1: VERSION=v1');
    expect(stdout).toContain('member2: VERSION=v1');
    await kubectl(
      '--context',
      'federation',
      'delete',
      'deployment/rollout-demo',
      'propagationpolicy/rollout-demo',
      '--wait=false',
    );
  });

  it('runs the quota-priority example: a ResourceQuota refuses the third pod and a pod without a CPU request; a PriorityClass sets priority', async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'quota-priority.sh'), state], {
      cwd: root,
      timeout: 120_000,
    });
    expect(stdout).toMatch(/^first +demo-high-\d+ +1000$/m);
    expect(stdout).toContain('exceeded quota: pods-and-cpu, requested: pods=1');
    expect(stdout).toContain('failed quota: pods-and-cpu: must specify requests.cpu for: c');
    expect(stdout).toMatch(/^pods +1 +2$/m);
  });

  it("runs the autoscale-retain example: a member HPA's replicas are kept by the federation, other changes still applied", async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'autoscale-retain.sh'), state], {
      cwd: root,
      timeout: 180_000,
    });
    expect(stdout).toContain("member1's HPA scaled its copy to 3");
    expect(stdout).toContain(
      "member1: 3 replicas (its HPA's), member2: 1 (the federation's); the label reached both",
    );
  });

  it('runs the graceful-eviction example: NoExecute on member2 moves its replicas, its copy kept until member1 has them ready', async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'graceful-eviction.sh'), state], {
      cwd: root,
      timeout: 240_000,
    });
    expect(stdout).toMatch(/eviction tasks: member2\/TaintUntolerated/);
    expect(stdout).toContain('lowest total: 4');
    expect(stdout).toMatch(
      /EvictWorkloadFromClusterSucceeded +Evict from cluster member2 succeeded/,
    );
  });

  it('runs the multicluster-service example: ClusterIP and cluster-set IP on loopback, answered by both members', async () => {
    const { stdout } = await run(
      'bash',
      [join(root, 'examples', 'multicluster-service.sh'), state],
      { cwd: root, timeout: 300_000 },
    );
    const ip = /resolver: (127\.\d+\.\d+\.\d+) \(the Service's ClusterIP: \1\)/.exec(stdout);
    expect(ip, stdout).not.toBeNull();
    expect(stdout).toMatch(/curl http:\/\/127\.[\d.]+\/ -> hello-/);
    expect(stdout).toMatch(/resolver: (127\.[\d.]+) \(the ServiceImport's cluster-set IP: \1\)/);
    const counts = /member1 pods answered (\d+), member2 pods (\d+), failed (\d+)/.exec(stdout);
    expect(counts, stdout).not.toBeNull();
    const [, n1, n2, failed] = (counts ?? []).map(Number);
    expect(failed).toBe(0);
    expect(n1).toBeGreaterThan(0);
    expect(n2).toBeGreaterThan(0);
    expect((n1 ?? 0) + (n2 ?? 0)).toBe(40);
  });

  it("a member's processes stopped: the cluster-set IP is answered by the other member within the health window", async () => {
    const setIp = (
      await kubectl(
        '--context',
        'member1',
        'get',
        'serviceimport',
        'hello',
        '-o',
        'jsonpath={.spec.ips[0]}',
      )
    ).trim();
    // member1's pods, refreshed when an unknown name answers: member1 scales up when member2's
    // replicas fail over to it
    const pods1 = new Set<string>();
    const fromMember1 = async (pod: string): Promise<boolean> => {
      if (!pods1.has(pod) && /^hello-/.test(pod)) {
        const names = await kubectl(
          '--context',
          'member1',
          'get',
          'pods',
          '-l',
          'app=hello',
          '-o',
          'jsonpath={.items[*].metadata.name}',
        );
        for (const n of names.trim().split(/\s+/)) pods1.add(n);
      }
      return pods1.has(pod);
    };
    /** One request to the cluster-set IP: the answering pod's name, or why it failed. */
    const ask = async (): Promise<string> => {
      try {
        const res = await fetch(`http://${setIp}/`, { signal: AbortSignal.timeout(3000) });
        return res.ok ? (await res.text()).trim() : `HTTP ${String(res.status)}`;
      } catch (err) {
        return `failed: ${(err as Error).message}`;
      }
    };
    const ctl = (...args: string[]) =>
      run(node, ['dist/hack/local-ctl.js', '--state', state, ...args], {
        cwd: root,
        timeout: 60_000,
      });
    await ctl('stop', 'member2', '--signal', 'SIGKILL');
    const start = Date.now();
    try {
      // until 20 answers in a row come from member1's pods (or 90 s pass)
      let streak = 0;
      let lastOther = 0;
      while (streak < 20 && Date.now() - start < 90_000) {
        const got = await ask();
        if (await fromMember1(got)) streak++;
        else {
          streak = 0;
          lastOther = Date.now() - start;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(streak, 'member1 alone never answered 20 requests in a row').toBe(20);
      // the health window: NotReady after ~15 s, its endpoints withdrawn at once
      expect(lastOther).toBeLessThan(45_000);
      // after the window no request fails and member1 answers them all
      const after = await Promise.all(Array.from({ length: 40 }, () => ask()));
      const others: string[] = [];
      for (const a of after) if (!(await fromMember1(a))) others.push(a);
      expect(others, after.join(', ')).toEqual([]);
    } finally {
      await ctl('start', 'member2');
      await expect
        .poll(
          async () =>
            kubectl(
              '--context',
              'federation',
              'get',
              'cluster',
              'member2',
              '-o',
              'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
            ),
          { timeout: 90_000, interval: 200 },
        )
        .toBe('True');
    }
  });

  it('local-down stops everything it started: no process, container or listening port is left', async () => {
    const pid = Number(readFileSync(join(state, 'local-up.pid'), 'utf8'));
    expect(alive(pid)).toBe(true);
    const ps = JSON.parse(
      (await run(node, ['dist/hack/local-ctl.js', '--state', state, 'ps', '--json'], { cwd: root }))
        .stdout,
    ) as { pid: number | null }[];
    // the supervised processes, and everything else local-up started (etcd, redis, registries...)
    const parents = new Map(
      (await run('ps', ['-eo', 'pid=,ppid='])).stdout
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]),
    );
    const descendants = (root: number): number[] =>
      [...parents].filter(([, pp]) => pp === root).flatMap(([c]) => [c, ...descendants(c)]);
    const pids = [...new Set([pid, ...ps.map((p) => p.pid ?? 0), ...descendants(pid)])].filter(
      (p) => p > 0,
    );
    expect(pids.length).toBeGreaterThan(15);
    const clusterIds = await Promise.all(
      ['member1', 'member2'].map((m) =>
        kubectl(
          '--context',
          m,
          'get',
          'namespace',
          'kube-system',
          '-o',
          'jsonpath={.metadata.uid}',
        ),
      ),
    );
    const listening = (await run('ss', ['-ltnpH'])).stdout
      .split('\n')
      .filter((l) => pids.some((p) => l.includes(`pid=${String(p)},`)))
      .map((l) => l.split(/\s+/)[3] ?? '');
    expect(listening.length).toBeGreaterThan(10);
    await run(node, ['dist/hack/local-down.js', '--state', state], { cwd: root, timeout: 60_000 });
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(join(state, 'ready'))).toBe(false);
    const still = (await run('ss', ['-ltnH'])).stdout.split('\n').map((l) => l.split(/\s+/)[3]);
    expect(listening.filter((a) => still.includes(a))).toEqual([]);
    const leftovers = (await run('ps', ['-eo', 'pid=,args='])).stdout
      .split('\n')
      .filter((l) => l.includes(state) && !l.includes('ps -eo'));
    expect(leftovers).toEqual([]);
    // dockerd may be gone with the federation; where it still runs, it holds no container of it
    const env = { ...process.env, DOCKER_HOST: 'unix:///var/lib/flotilla-docker/docker.sock' };
    for (const id of clusterIds) {
      const left = await run(
        'docker',
        ['ps', '-aq', '--filter', `label=io.flotilla.cluster.id=${id}`],
        {
          env,
        },
      ).then(
        (r) => r.stdout.trim(),
        () => '',
      );
      expect(left).toBe('');
    }
  });
});
