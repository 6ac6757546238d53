// A 3-member etcd cluster with client TLS (hack/lib/etcd-cluster.ts) under EtcdStorage: losing one
// member (SIGKILL, the leader) loses no acknowledged write, the watch keeps delivering, and the
// member rejoins on its data folder and serves the writes it missed from its own endpoint.
import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcdCluster, type EtcdCluster } from '../../hack/lib/etcd-cluster.js';
import { AlreadyExistsError } from '../../machinery/errors/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import { EtcdStorage } from '../../machinery/storage/etcd-storage.js';

type Tls = NonNullable<EtcdCluster['tls']>;

/** An etcd3 client on exactly one endpoint (no fail-over to the other members). */
function singleClient(endpoint: string, tls: Tls): Etcd3 {
  return new Etcd3({
    hosts: [endpoint],
    credentials: {
      rootCertificate: Buffer.from(tls.ca),
      certChain: Buffer.from(tls.cert),
      privateKey: Buffer.from(tls.key),
    },
  });
}

function cm(name: string, n: number): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: String(n) } };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The index of the member every member agrees is the leader. */
async function leaderIndex(cluster: EtcdCluster, tls: Tls): Promise<number> {
  const ids: string[] = [];
  let leader = '';
  for (const ep of cluster.endpoints) {
    const c = singleClient(ep, tls);
    try {
      const st = await c.maintenance.status();
      ids.push(st.header.member_id);
      leader = st.leader;
    } finally {
      c.close();
    }
  }
  const i = ids.indexOf(leader);
  if (i < 0) throw new Error(`no leader among ${ids.join(', ')}`);
  return i;
}

describe('3-member etcd cluster with client TLS', () => {
  let cluster: EtcdCluster;
  let tls: Tls;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3, tls: true, name: 'itest' });
    if (!cluster.tls) throw new Error('a TLS cluster must return client credentials');
    tls = cluster.tls;
  });
  afterAll(async () => {
    await cluster.stop();
  });

  it('survives a SIGKILLed leader: writes and watch go on, the member rejoins', async () => {
    expect(cluster.endpoints).toHaveLength(3);
    for (const ep of cluster.endpoints) expect(ep).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const prefix = `/test-${randomUUID()}`;
    const storage = new EtcdStorage({ endpoints: cluster.endpoints, tls, prefix });
    const acked = new Set<string>();
    let retries = 0;
    /** Creates `name`, retrying for up to 10 s; an AlreadyExists after a failed try is a success. */
    const write = async (name: string, n: number): Promise<void> => {
      const deadline = Date.now() + 10_000;
      for (let attempt = 0; ; attempt++) {
        try {
          await storage.create(`/cm/${name}`, cm(name, n));
          break;
        } catch (err) {
          if (attempt > 0 && err instanceof AlreadyExistsError) break;
          if (Date.now() > deadline) throw err;
          retries++;
          await sleep(200);
        }
      }
      acked.add(name);
    };

    const seen = new Set<string>();
    let watchError: unknown;
    const watch = storage.watch('/cm/', await storage.currentRevision());
    const consumed = (async () => {
      try {
        for await (const ev of watch) {
          if (ev.type === 'ADDED') seen.add(ev.object.metadata.name ?? '');
        }
      } catch (err) {
        watchError = err;
      }
    })();
    try {
      for (let i = 0; i < 20; i++) await write(`before-${String(i)}`, i);

      const victim = await leaderIndex(cluster, tls);
      const member = cluster.member(victim);
      const oldPid = member.pid;
      member.kill();
      for (let i = 0; i < 40; i++) await write(`during-${String(i)}`, i);
      expect(member.running).toBe(false);

      // every acknowledged write arrives on the watch that was open across the kill
      const deadline = Date.now() + 15_000;
      while ([...acked].some((n) => !seen.has(n)) && Date.now() < deadline) await sleep(100);
      expect(watchError).toBeUndefined();
      expect([...acked].filter((n) => !seen.has(n))).toEqual([]);
      // ... and is stored
      const listed = await storage.list('/cm/');
      expect(new Set(listed.items.map((o) => o.metadata.name))).toEqual(acked);
      expect(acked.size).toBe(60);

      await member.start();
      expect(member.running).toBe(true);
      expect(member.pid).not.toBe(oldPid);
      // the rejoined member serves what was written while it was down, from its own endpoint
      const only = singleClient(member.endpoint, tls);
      try {
        const raw = await only.get(`${prefix}/cm/during-39`).string();
        expect(raw).not.toBeNull();
        expect(JSON.parse(raw ?? '{}')).toMatchObject({ data: { n: '39' } });
        const all = await only.getAll().prefix(`${prefix}/cm/`).keys();
        expect(all).toHaveLength(60);
      } finally {
        only.close();
      }
      // and the cluster keeps taking writes with all three members
      await write('after', 0);
      expect(seen.size).toBeGreaterThanOrEqual(60);
      console.info(
        `etcd-cluster: leader ${String(victim)} killed, ${String(retries)} retried writes`,
      );
    } finally {
      watch.stop();
      await consumed;
      await storage.close();
    }
  }, 60_000);
});

describe('1-member etcd cluster', () => {
  it('starts, serves, stops and restarts a plain-http member', async () => {
    const cluster = await startEtcdCluster({ name: 'solo' });
    try {
      expect(cluster.endpoints).toHaveLength(1);
      expect(cluster.tls).toBeUndefined();
      const storage = new EtcdStorage({ endpoints: cluster.endpoints, prefix: '/solo' });
      try {
        await storage.create('/a', cm('a', 1));
        await cluster.member(0).stop();
        await cluster.member(0).start();
        expect((await storage.get('/a'))?.data).toEqual({ n: '1' });
      } finally {
        await storage.close();
      }
      expect(() => cluster.member(1)).toThrow(RangeError);
    } finally {
      await cluster.stop();
    }
  }, 30_000);
});
