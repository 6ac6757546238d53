// Promotion under faults (issue #17): the promotion service and three promotion workers as
// separate processes (the built binaries), a real redis-server and real docker-registry instances
// for dev and prod (test/support/promotion-processes.ts). Each fault hits while a copy is in flight
// (a worker logged `copy <request>: active` and the request's status shows blobs still to copy;
// dev is read through a throttling proxy, so a copy of a 2 MiB layer lasts seconds; the throttle
// is lifted once the fault has hit):
//  1. `kill -9` of the worker holding the copy: bullmq's stalled-job check hands the job to
//     another worker, which copies again;
//  2. redis-server killed (SIGKILL, no persistence: it comes back empty) and started again, with a
//     second request approved while it is down: both copies complete, no process exits, the
//     workers log the lost connection (a copy job lost while WAITING is requeued by the
//     controller's periodic check: test/integration/promotion-queue-loss.test.ts);
//  3. the destination registry (prod), then the source registry (dev), stopped mid-copy and
//     started again: the copy is retried with back-off (the status says `retrying: ...`, more than
//     one attempt) and completes.
// After each fault the invariants hold: every approved promotion is in prod under its tag with the
// source digest (HEAD and GET by tag), and a request left unapproved for the whole file is not in
// prod. The permanent side (a 404 / MANIFEST_UNKNOWN fails at once, with the reason, attempts 1)
// is proved by test/integration/registry-permanent-errors.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../hack/lib/ports.js';
import type { PromotionRequest } from '../../registry/index.js';
import { exitWithin, type SpawnedBinary } from '../support/binaries.js';
import { approve, promotionRequests, requestsFor } from '../support/promotion-federation.js';
import {
  devAsAlice,
  prodDigests,
  pushTaggedImage,
  startPromotionProcesses,
  type PromotionProcesses,
  type TaggedImage,
} from '../support/promotion-processes.js';

/** One layer this big, read from dev at {@link DEV_RATE}: a copy lasts about 4 s. */
const LAYER_BYTES = 2 * 1024 * 1024;
const DEV_RATE = 512 * 1024;
/** Job lock (and stalled check): a dead worker's job is taken again within about 2x this. */
const LOCK_MS = 2000;

let p: PromotionProcesses;
/** Promotions approved by a test: each must end up in prod with its source digest. */
const approved: TaggedImage[] = [];
/** Pushed and never approved: must never reach prod. */
let held: { image: TaggedImage; name: string };

const get = (name: string): Promise<PromotionRequest> => promotionRequests(p.fed).get(name);

/** Pushes `repository:v1` to dev as alice and waits for its Pending request. */
async function pushForPromotion(repository: string): Promise<{ image: TaggedImage; name: string }> {
  const image = await pushTaggedImage(devAsAlice(p), repository, 'v1', LAYER_BYTES);
  let name = '';
  await waitFor(`a Pending request for ${repository}`, async () => {
    const [pr] = await requestsFor(p.fed, image.digest, repository);
    name = pr?.metadata.name ?? '';
    return pr?.status?.phase === 'Pending';
  });
  return { image, name };
}

/** Approves as bob and records the promotion for the invariants. */
async function approveForProd(r: { image: TaggedImage; name: string }): Promise<void> {
  await approve(p.fed, p.tokens.bob, r.name);
  approved.push(r.image);
}

const live = (): SpawnedBinary[] =>
  [p.service, ...p.workers].filter((w) => w.child.exitCode === null && w.child.signalCode === null);

/**
 * Waits until the copy of `name` is in flight: a worker logged taking it, the request is Copying
 * and its progress shows a blob still to copy. Returns the worker holding it.
 */
async function inFlight(name: string): Promise<SpawnedBinary> {
  const active = `copy ${name}: active`;
  let holder: SpawnedBinary | undefined;
  await waitFor(
    `the copy of ${name} to be in flight`,
    async () => {
      holder = live().find((w) => w !== p.service && w.out().includes(active));
      const s = (await get(name)).status;
      const pr = s?.progress;
      return (
        holder !== undefined &&
        s?.phase === 'Copying' &&
        pr !== undefined &&
        pr.blobsTotal > 0 &&
        pr.blobsDone + pr.blobsSkipped < pr.blobsTotal
      );
    },
    30_000,
    50,
  );
  if (!holder) throw new Error('unreachable: no holder');
  return holder;
}

/** Waits for Succeeded (a Failed request fails the wait at once, with its message). */
async function succeeded(name: string): Promise<PromotionRequest> {
  let last: PromotionRequest | undefined;
  await waitFor(
    `${name} to succeed`,
    async () => {
      last = await get(name);
      if (last.status?.phase === 'Failed') throw new Error(`failed: ${last.status.message ?? ''}`);
      return last.status?.phase === 'Succeeded';
    },
    60_000,
    200,
  );
  return last as PromotionRequest;
}

/** The invariants: approved → in prod at the source digest; unapproved → Pending, not in prod. */
async function expectInvariants(): Promise<void> {
  for (const image of approved) {
    expect(await prodDigests(p, image), image.repository).toEqual({
      head: image.digest,
      get: image.digest,
    });
  }
  expect((await get(held.name)).status?.phase).toBe('Pending');
  expect(await prodDigests(p, held.image)).toEqual({ head: undefined, get: undefined });
  // no process died (an unhandled rejection would have ended it) except the ones a test killed
  expect(p.service.child.exitCode, p.service.out()).toBeNull();
  for (const w of live()) expect(w.out()).not.toMatch(/unhandled/i);
}

beforeAll(async () => {
  p = await startPromotionProcesses({
    workers: 3,
    devBytesPerSecond: DEV_RATE,
    workerArgs: [
      ...['--worker-concurrency', '2', '--lock-duration-ms', String(LOCK_MS)],
      ...['--copy-backoff-ms', '200'],
    ],
  });
  held = await pushForPromotion('app/held');
});

// slow while a fault is to land mid-copy; each test lifts the limit once the fault has hit, so
// the copies after it do not wait for the throttle
beforeEach(() => {
  p.devProxy.bytesPerSecond = DEV_RATE;
});

/** Lifts the throttle in front of dev. */
const unthrottle = (): void => {
  p.devProxy.bytesPerSecond = 0;
};

afterAll(async () => {
  await p.stop();
});

describe('promotion under faults (separate processes)', () => {
  it('kill -9 of the worker holding a copy: another worker retakes the job and completes it', async () => {
    const r = await pushForPromotion('app/worker-kill');
    await approveForProd(r);
    const holder = await inFlight(r.name);
    holder.child.kill('SIGKILL');
    expect(await exitWithin(holder, 5000)).toBeNull();
    // the copy was not done when the worker died
    expect(holder.out()).not.toContain(`copy ${r.name}: completed`);
    expect((await get(r.name)).status?.phase).toBe('Copying');
    unthrottle();
    await succeeded(r.name);
    // bullmq's stalled-job check of a surviving worker moved the job back; a survivor copied it
    const survivors = p.workers.filter((w) => w !== holder);
    const retook = survivors.filter(
      (w) =>
        w.out().includes(`copy ${r.name}: active`) && w.out().includes(`copy ${r.name}: completed`),
    );
    expect(retook, survivors.map((w) => w.out()).join('\n')).toHaveLength(1);
    await expectInvariants();
  });

  it('redis killed mid-copy and started again (empty): the copy and one approved meanwhile complete', async () => {
    const first = await pushForPromotion('app/redis-kill');
    const second = await pushForPromotion('app/redis-down-approval');
    await approveForProd(first);
    await inFlight(first.name);
    await p.redis.kill();
    // approved while the queue is unreachable: the service must queue it once redis is back
    await approveForProd(second);
    await new Promise((r) => setTimeout(r, 2000));
    expect(live()).toHaveLength(3);
    await p.redis.start();
    unthrottle();
    await Promise.all([succeeded(first.name), succeeded(second.name)]);
    expect(live()).toHaveLength(3);
    // the workers said that they lost the queue (a warning, not a silent retry, not an exit)
    for (const w of live().filter((x) => x !== p.service)) {
      expect(w.out()).toContain('copy queue: ');
    }
    await expectInvariants();
  });

  for (const side of ['prod', 'dev'] as const) {
    it(`the ${side} registry stopped mid-copy and started again: the copy is retried and completes`, async () => {
      const r = await pushForPromotion(`app/${side}-stop`);
      await approveForProd(r);
      await inFlight(r.name);
      const registry = p[side];
      await registry.kill();
      // the workers read dev through the proxy, which may hold the rest of the blob already read
      // from dev (socket buffers of a few MiB): cut it, as dev's own connections were cut
      if (side === 'dev') p.devProxy.reset();
      // the worker retries with back-off and says so in the status
      await waitFor(
        'a retrying status',
        async () => /^retrying: /.test((await get(r.name)).status?.message ?? ''),
        20_000,
        50,
      );
      await registry.start();
      unthrottle();
      const done = await succeeded(r.name);
      expect(done.status?.attempts).toBeGreaterThan(1);
      expect(done.status?.message).toContain(`copied ${r.image.repository}@${r.image.digest}`);
      await expectInvariants();
    });
  }
});
