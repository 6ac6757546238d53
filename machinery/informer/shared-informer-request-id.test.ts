import { describe, expect, it } from 'vitest';
import type { ResourceClient, Watch } from '../client/kube-client.js';
import { currentRequestId, runWithLogContext } from '../log/log-context.js';
import type { KubeList, KubeObject, WatchEvent } from '../meta.js';
import { WorkQueue } from '../workqueue/work-queue.js';
import { SharedInformer } from './shared-informer.js';

const cm = (name: string, rv: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

/** An empty list at resourceVersion 1. */
const emptyList = (): Promise<KubeList> =>
  Promise.resolve({
    apiVersion: 'v1',
    kind: 'List',
    metadata: { resourceVersion: '1' },
    items: [],
  });

/** A client whose list is empty and whose one watch yields `events`, then stays open. */
function fakeClient(events: WatchEvent[]): ResourceClient {
  return {
    list: emptyList,
    watch: (): Watch => {
      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((r) => (stop = r));
      return {
        stop,
        async *[Symbol.asyncIterator]() {
          yield* events;
          await stopped;
        },
      };
    },
  } as unknown as ResourceClient;
}

describe('SharedInformer request ids', () => {
  it('runs handlers with the watch event request id, which the workqueue keeps per key', async () => {
    const informer = new SharedInformer({
      client: fakeClient([
        { type: 'ADDED', object: cm('a', '2'), requestId: 'req-a' },
        { type: 'ADDED', object: cm('b', '3') },
        { type: 'MODIFIED', object: cm('a', '4'), requestId: 'req-a2' },
      ]),
    });
    const seen: [string, string | undefined][] = [];
    const queue = new WorkQueue();
    informer.addEventHandler({
      onAdd: (o) => {
        seen.push([o.metadata.name ?? '', currentRequestId()]);
        queue.add(`ns/${o.metadata.name ?? ''}`);
      },
      onUpdate: (_old, o) => {
        seen.push([o.metadata.name ?? '', currentRequestId()]);
        queue.add(`ns/${o.metadata.name ?? ''}`);
      },
    });
    const abort = new AbortController();
    // started inside some other request: its id must not leak into the events
    const running = runWithLogContext({ requestId: 'unrelated' }, () => informer.run(abort.signal));
    await expect.poll(() => seen.length).toBe(3);
    abort.abort();
    await running;
    expect(seen).toEqual([
      ['a', 'req-a'],
      ['b', undefined],
      ['a', 'req-a2'],
    ]);
    expect(await queue.get()).toBe('ns/a');
    expect(queue.requestIdOf('ns/a')).toBe('req-a2');
    expect(await queue.get()).toBe('ns/b');
    expect(queue.requestIdOf('ns/b')).toBeUndefined();
  });
});

describe('SharedInformer watch timeout', () => {
  it('asks for a 5–10 min watch, and watches again from the last resourceVersion when it ends', async () => {
    const asked: { timeoutSeconds?: number; resourceVersion?: string }[] = [];
    const rounds: WatchEvent[][] = [[{ type: 'ADDED', object: cm('a', '2') }], []];
    const client = {
      list: emptyList,
      watch: (o: { timeoutSeconds?: number; resourceVersion?: string }): Watch => {
        asked.push(o);
        const events = rounds.shift();
        let stop: () => void = () => undefined;
        const stopped = new Promise<void>((r) => (stop = r));
        return {
          stop,
          async *[Symbol.asyncIterator]() {
            // the first watch ends as the server ends it at its timeout; the second stays open
            if (events && events.length > 0) {
              yield* events;
              return;
            }
            await stopped;
          },
        };
      },
    } as unknown as ResourceClient;
    const informer = new SharedInformer({ client });
    const abort = new AbortController();
    const running = informer.run(abort.signal);
    await expect.poll(() => asked.length).toBe(2);
    abort.abort();
    await running;
    for (const o of asked) {
      expect(o.timeoutSeconds).toBeGreaterThanOrEqual(300);
      expect(o.timeoutSeconds).toBeLessThan(600);
    }
    expect(asked.map((o) => o.resourceVersion)).toEqual(['1', '2']);
    expect(informer.list().map((o) => o.metadata.name)).toEqual(['a']);
  });
});
