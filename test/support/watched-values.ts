/**
 * Records one field of one object as a watch stream delivers it: every version the API server
 * sends (not a sampled poll), for "this value never changed" assertions.
 */
import type { ResourceClient } from '../../machinery/client/kube-client.js';
import type { KubeObject } from '../../machinery/meta.js';

/** A running recording; `stop()` ends the watch and returns every value seen, in order. */
export interface WatchedValues {
  stop(): Promise<unknown[]>;
}

/**
 * Watches object `name` through `rc` from its current resourceVersion and records `pick(obj)`
 * of every event (the current value first; `WATCH ENDED` when the server closed the stream).
 */
export async function watchValues<T extends KubeObject>(
  rc: ResourceClient<T>,
  name: string,
  pick: (o: T) => unknown,
): Promise<WatchedValues> {
  const now = await rc.get(name);
  const values: unknown[] = [pick(now)];
  const w = rc.watch({
    fieldSelector: `metadata.name=${name}`,
    timeoutSeconds: 600,
    ...(now.metadata.resourceVersion ? { resourceVersion: now.metadata.resourceVersion } : {}),
  });
  let stopped = false;
  const done = (async () => {
    for await (const ev of w) {
      if (ev.type === 'BOOKMARK') continue;
      values.push(ev.type === 'ADDED' || ev.type === 'MODIFIED' ? pick(ev.object) : ev.type);
    }
    // a stream the server ended early would hide later versions: make it show in the values
    if (!stopped) values.push('WATCH ENDED');
  })();
  return {
    stop: async () => {
      stopped = true;
      w.stop();
      await done;
      return values;
    },
  };
}
