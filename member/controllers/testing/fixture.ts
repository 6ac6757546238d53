/** Controller test fixture: a FakeKubeClient, informers over it, and a fixed clock. */
import type { GroupVersionResource, KubeObject } from '../../../machinery/meta.js';
import { consoleLogger } from '../../../machinery/controller/index.js';
import { InformerFactory } from '../../../machinery/informer/index.js';
import type { ControllerContext } from '../controller-context.js';
import { FakeKubeClient } from './fake-kube-client.js';

/** Seeded objects per resource. */
export type FixtureSeed = [GroupVersionResource, KubeObject[]][];

/** A running fixture; call `stop()` in afterEach. */
export interface Fixture {
  client: FakeKubeClient;
  ctx: ControllerContext;
  stop(): Promise<void>;
}

/** Fixed "now" used by fixtures. */
export const FIXTURE_NOW = new Date('2026-01-01T00:10:00Z');

/**
 * Seeds the fake client, builds the controller with `build(ctx)`, starts the informers it
 * created and waits until every one listed in `sync` has synced; recorded actions start empty.
 */
export async function startFixture<C>(
  seed: FixtureSeed,
  build: (ctx: ControllerContext) => C,
  sync: { gvr: GroupVersionResource; namespace?: string }[],
  now: Date = FIXTURE_NOW,
): Promise<Fixture & { controller: C }> {
  const client = new FakeKubeClient();
  for (const [gvr, objs] of seed) client.seed(gvr, ...objs);
  const informers = new InformerFactory(client);
  const ctx: ControllerContext = {
    client,
    informers,
    logger: consoleLogger('test', true),
    now: () => now,
  };
  const controller = build(ctx);
  const abort = new AbortController();
  informers.start(abort.signal);
  await Promise.all(
    sync.map((s) =>
      informers
        .for(s.gvr, s.namespace === undefined ? {} : { namespace: s.namespace })
        .waitForSync(),
    ),
  );
  client.clearActions();
  return {
    client,
    ctx,
    controller,
    stop: async () => {
      abort.abort();
      await informers.stopped();
    },
  };
}
