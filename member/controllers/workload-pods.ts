/** Pod construction and write-expectations shared by the Job, StatefulSet and DaemonSet controllers. */
import type { KubeObject } from '../../machinery/meta.js';
import type { Pod, PodTemplateSpec } from '../../api/index.js';
import { controllerRef } from './pod-template.js';

/** Where a new pod goes and what it carries besides the template. */
export interface NewPodOptions {
  /** A fixed name (StatefulSet); otherwise `<owner>-` is the generateName. */
  name?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  hostname?: string;
  subdomain?: string;
}

/** A pod from `template` with a controller ownerReference to `owner`. */
export function newPod(owner: KubeObject, template: PodTemplateSpec, o: NewPodOptions = {}): Pod {
  const t = structuredClone(template);
  const spec = t.spec;
  if (o.nodeName !== undefined) spec.nodeName = o.nodeName;
  if (o.hostname !== undefined) spec.hostname = o.hostname;
  if (o.subdomain !== undefined) spec.subdomain = o.subdomain;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(o.name === undefined
        ? { generateName: `${owner.metadata.name ?? 'pod'}-` }
        : { name: o.name }),
      namespace: owner.metadata.namespace ?? 'default',
      labels: { ...t.metadata?.labels, ...o.labels },
      ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
      ownerReferences: [controllerRef(owner)],
    },
    spec,
  };
}

/**
 * Pod creates and deletes a controller made that its informer cache has not shown yet (like
 * Kubernetes' ControllerExpectations). While any are pending the controller waits instead of
 * acting on a stale cache, which would create pods twice. Entries expire after `ttlMs` so a lost
 * watch event cannot stall an owner forever.
 */
export class PodExpectations {
  private readonly pending = new Map<
    string,
    { adds: Set<string>; deletes: Set<string>; until: number }
  >();
  private readonly ttlMs: number;

  constructor(ttlMs = 5000) {
    this.ttlMs = ttlMs;
  }

  /** Records pods created (`adds`) or deleted (`deletes`) for owner `uid`. */
  expect(uid: string, adds: string[], deletes: string[] = []): void {
    if (adds.length === 0 && deletes.length === 0) return;
    const e = this.pending.get(uid) ?? { adds: new Set(), deletes: new Set(), until: 0 };
    adds.forEach((n) => e.adds.add(n));
    deletes.forEach((n) => e.deletes.add(n));
    e.until = Date.now() + this.ttlMs;
    this.pending.set(uid, e);
  }

  /** True when the cache (`lookup` by pod name) reflects every recorded write of owner `uid`. */
  satisfied(uid: string, lookup: (name: string) => Pod | undefined): boolean {
    const e = this.pending.get(uid);
    if (!e) return true;
    for (const n of e.adds) if (lookup(n)) e.adds.delete(n);
    for (const n of e.deletes) {
      const p = lookup(n);
      if (!p || p.metadata.deletionTimestamp) e.deletes.delete(n);
    }
    if ((e.adds.size === 0 && e.deletes.size === 0) || Date.now() > e.until) {
      this.pending.delete(uid);
      return true;
    }
    return false;
  }

  /** Forgets owner `uid` (deleted). */
  forget(uid: string): void {
    this.pending.delete(uid);
  }
}
