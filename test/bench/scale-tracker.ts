/**
 * What the scale bench (scale-bench.ts) sees arrive in the members: one watch per member and kind
 * (ConfigMaps and Deployments labelled `scale=yes` in `default`), re-opened from the last seen
 * resourceVersion when the stream ends (from the current state after a 410 Gone). Each member
 * copy is recorded with its revision (the template's `scale.flotilla.io/rev` annotation, 1 when
 * absent) and, for a Deployment, its replicas.
 *
 * An object is present at revision r once its copies say so: a ConfigMap when `want` members hold
 * it at revision ≥ r (Duplicated: every member of its group), a Deployment when every copy is at
 * revision ≥ r and their replicas add up to the template's `want` (Divided: which members hold a
 * part is the scheduler's choice, the sum is not). The first moment that holds is kept per
 * revision: an object's template→present latency is that moment minus its create request's start.
 */
import { CONFIGMAPS, DEPLOYMENTS, type Deployment } from '../../api/index.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import type { Watch } from '../../machinery/client/kube-client.js';
import { GoneError } from '../../machinery/errors/index.js';
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';

/** The template annotation the bench bumps to change an object (copied to the members). */
export const REV_ANNOTATION = 'scale.flotilla.io/rev';
/** The label every bench object carries (and the member watches select). */
export const SCALE_LABEL = 'scale';

/** The kinds of the bench. */
export type ScaleKind = 'cm' | 'deploy';

interface Copy {
  rev: number;
  replicas: number;
}

interface Tracked {
  kind: ScaleKind;
  /** ConfigMap: members to hold it; Deployment: replicas to add up to. Unset until expected. */
  want: number | undefined;
  copies: Map<string, Copy>;
  /** Revision → when it was first present (performance.now()). */
  done: Map<number, number>;
}

const GVR: Record<ScaleKind, GroupVersionResource> = { cm: CONFIGMAPS, deploy: DEPLOYMENTS };

/** The key of an object: `<kind>/<name>`. */
export const keyOf = (kind: ScaleKind, name: string): string => `${kind}/${name}`;

/** Member watches and the presence of every bench object (see the module comment). */
export class ScaleTracker {
  private readonly objects = new Map<string, Tracked>();
  private readonly watches = new Set<Watch>();
  private readonly loops: Promise<void>[] = [];
  private stopped = false;
  /** Watch streams re-opened after they ended (server timeout, 410, connection loss). */
  reopened = 0;
  /** Copies that went away (DELETED events) since the start. */
  deletions = 0;

  /** Starts the watches of every member; returns at once (events flow from then on). */
  start(members: readonly { name: string; client: RestClient }[]): void {
    for (const m of members) {
      for (const kind of ['cm', 'deploy'] as const) this.loops.push(this.watchLoop(m, kind));
    }
  }

  /** Declares an object the bench creates: `want` as in the module comment. */
  expect(kind: ScaleKind, name: string, want: number): void {
    const t = this.tracked(kind, name);
    t.want = want;
    mark(t);
  }

  /** When the object was first present at revision `rev` (undefined: not yet). */
  doneAt(key: string, rev: number): number | undefined {
    return this.objects.get(key)?.done.get(rev);
  }

  /** True when the object's copies hold it at revision ≥ `rev` now. */
  presentNow(key: string, rev: number): boolean {
    const t = this.objects.get(key);
    return t !== undefined && satisfied(t, rev);
  }

  /** Stops the watches and waits for their loops. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.watches) w.stop();
    await Promise.allSettled(this.loops);
  }

  private tracked(kind: ScaleKind, name: string): Tracked {
    const key = keyOf(kind, name);
    let t = this.objects.get(key);
    if (!t) {
      t = { kind, want: undefined, copies: new Map(), done: new Map() };
      this.objects.set(key, t);
    }
    return t;
  }

  private async watchLoop(m: { name: string; client: RestClient }, kind: ScaleKind): Promise<void> {
    let rv: string | undefined;
    while (!this.stopped) {
      const w = m.client.resource(GVR[kind], 'default').watch({
        labelSelector: `${SCALE_LABEL}=yes`,
        ...(rv !== undefined ? { resourceVersion: rv } : {}),
      });
      this.watches.add(w);
      try {
        for await (const ev of w) {
          rv = ev.object.metadata.resourceVersion ?? rv;
          if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.onCopy(m.name, kind, ev.object);
          else if (ev.type === 'DELETED') this.onGone(m.name, kind, ev.object);
        }
      } catch (err) {
        // a 410: the events since rv are gone; the new watch starts with the current state
        if (err instanceof GoneError) rv = undefined;
        else if (!this.stopped) await new Promise((r) => setTimeout(r, 1000));
      } finally {
        this.watches.delete(w);
      }
      if (!this.stopped) this.reopened++;
    }
  }

  private onCopy(member: string, kind: ScaleKind, o: KubeObject): void {
    const t = this.tracked(kind, o.metadata.name ?? '');
    const replicas = kind === 'deploy' ? ((o as Deployment).spec.replicas ?? 1) : 1;
    t.copies.set(member, { rev: Number(o.metadata.annotations?.[REV_ANNOTATION] ?? 1), replicas });
    mark(t);
  }

  private onGone(member: string, kind: ScaleKind, o: KubeObject): void {
    if (this.tracked(kind, o.metadata.name ?? '').copies.delete(member)) this.deletions++;
  }
}

/** Records the first moment each revision (1: created, 2: changed by the bench) is present. */
function mark(t: Tracked): void {
  const now = performance.now();
  for (const rev of [1, 2]) if (!t.done.has(rev) && satisfied(t, rev)) t.done.set(rev, now);
}

/** See the module comment. */
function satisfied(t: Tracked, rev: number): boolean {
  if (t.want === undefined) return false;
  const copies = [...t.copies.values()];
  if (t.kind === 'cm') return copies.filter((c) => c.rev >= rev).length === t.want;
  return copies.every((c) => c.rev >= rev) && copies.reduce((s, c) => s + c.replicas, 0) === t.want;
}
