/**
 * The load of the scale bench (scale-bench.ts) at the federation: the PropagationPolicies (one per
 * member group and kind), the bench objects, their paced creation with every create request's
 * latency, a sampler of single-object GETs while the load runs, and the change made while the
 * federation controller manager is down (the converge phase).
 */
import { CONFIGMAPS, DEPLOYMENTS, type Deployment } from '../../api/index.js';
import { PROPAGATION_POLICIES } from '../../federation/apis/index.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import type { KubeObject } from '../../machinery/meta.js';
import {
  keyOf,
  REV_ANNOTATION,
  SCALE_LABEL,
  type ScaleKind,
  type ScaleTracker,
} from './scale-tracker.js';

/** Replicas of every bench Deployment, Divided among the members of its group. */
export const DEPLOYMENT_REPLICAS = 2;
/**
 * Creates in flight at most; past it the pacing waits (and the offered rate drops). Below the
 * client's 64 sockets, so that a create's latency is the server's, not a wait for a socket.
 */
const MAX_IN_FLIGHT = 48;
/** One sampled GET every this many ms while the load runs. */
const READ_SAMPLE_MS = 100;

/** The sizes and groups of one load. */
export interface ScaleLoad {
  /** Objects per kind. */
  objects: number;
  /** Templates created per second (both kinds together, alternating). */
  rate: number;
  /** ConfigMap groups (g0..) and members per group: each ConfigMap is Duplicated to one group. */
  cmGroups: number;
  cmGroupSize: number;
  /** Deployment groups: each Deployment's replicas are Divided among one group's members. */
  deployGroups: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The object `i` of `kind`: its name and group. */
export function objectOf(
  kind: ScaleKind,
  i: number,
  l: ScaleLoad,
): { name: string; group: string } {
  const groups = kind === 'cm' ? l.cmGroups : l.deployGroups;
  return { name: `${kind}-${String(i)}`, group: `g${String(i % groups)}` };
}

/** One PropagationPolicy per group and kind: objects of group g to the members labelled g. */
export async function createPolicies(fc: RestClient, l: ScaleLoad): Promise<void> {
  const policies = fc.resource(PROPAGATION_POLICIES, 'default');
  const make = (kind: ScaleKind, group: string): KubeObject => ({
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name: `scale-${kind}-${group}` },
    spec: {
      resourceSelectors: [
        {
          ...(kind === 'cm'
            ? { apiVersion: 'v1', kind: 'ConfigMap' }
            : { apiVersion: 'apps/v1', kind: 'Deployment' }),
          labelSelector: { matchLabels: { [SCALE_LABEL]: 'yes', 'scale-group': group } },
        },
      ],
      placement: {
        clusterAffinity: {
          labelSelector: { matchLabels: { [kind === 'cm' ? 'scale-cm' : 'scale-deploy']: group } },
        },
        replicaScheduling: { replicaSchedulingType: kind === 'cm' ? 'Duplicated' : 'Divided' },
      },
    },
  });
  for (let g = 0; g < l.cmGroups; g++) await policies.create(make('cm', `g${String(g)}`));
  for (let g = 0; g < l.deployGroups; g++) await policies.create(make('deploy', `g${String(g)}`));
}

/** The template of object `i` of `kind`. */
function template(kind: ScaleKind, i: number, l: ScaleLoad): KubeObject {
  const { name, group } = objectOf(kind, i, l);
  const labels = { [SCALE_LABEL]: 'yes', 'scale-group': group };
  if (kind === 'cm') {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels },
      data: { k: 'v'.repeat(64) },
    };
  }
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas: DEPLOYMENT_REPLICAS,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.flotilla.local/scale/app:1' }] },
      },
    },
  };
  return d;
}

/** What the paced creation measured. */
export interface CreateOutcome {
  /** Key → performance.now() just before its create request. */
  created: Map<string, number>;
  /** Keys whose create request succeeded, in that order (what the read sampler GETs). */
  stored: string[];
  /** Each successful create request's latency, ms. */
  writeMs: number[];
  /** Each failed create request's error. */
  failed: unknown[];
  /** Wall time of the creation, ms. */
  wallMs: number;
}

/** A {@link CreateOutcome} to be filled by {@link createPaced}. */
export function emptyOutcome(): CreateOutcome {
  return { created: new Map(), stored: [], writeMs: [], failed: [], wallMs: 0 };
}

/**
 * Creates `objects` of each kind (alternating) at `rate` per second into `out` (filled as it
 * goes, so that the read sampler can GET what is stored), telling the tracker what each object
 * must reach (the members of a ConfigMap group, a Deployment's replicas).
 */
export async function createPaced(
  fc: RestClient,
  l: ScaleLoad,
  tracker: ScaleTracker,
  out: CreateOutcome,
  signal?: AbortSignal,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const t0 = performance.now();
  for (let n = 0; n < 2 * l.objects; n++) {
    const kind: ScaleKind = n % 2 === 0 ? 'cm' : 'deploy';
    const obj = template(kind, Math.floor(n / 2), l);
    const name = obj.metadata.name ?? '';
    const ahead = t0 + (n * 1000) / l.rate - performance.now();
    if (ahead > 0) await sleep(ahead);
    signal?.throwIfAborted();
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    tracker.expect(kind, name, kind === 'cm' ? l.cmGroupSize : DEPLOYMENT_REPLICAS);
    const key = keyOf(kind, name);
    const p = (async () => {
      const t = performance.now();
      out.created.set(key, t);
      try {
        await fc.resource(kind === 'cm' ? CONFIGMAPS : DEPLOYMENTS, 'default').create(obj);
      } catch (err) {
        // a failed create is counted, and its object is not waited for
        out.created.delete(key);
        out.failed.push(err);
        return;
      }
      out.writeMs.push(performance.now() - t);
      out.stored.push(key);
    })().finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  out.wallMs = performance.now() - t0;
}

/**
 * Sends a GET of a random stored object every {@link READ_SAMPLE_MS} (without waiting for the
 * previous answer, so a slow answer does not thin the sample) until `stop` settles; returns each
 * successful request's latency, ms, and appends each failure to `failures`. `fc` should be a client
 * of its own (its sockets not taken by the creates).
 */
export async function sampleReads(
  fc: RestClient,
  stored: readonly string[],
  stop: Promise<unknown>,
  failures: unknown[],
): Promise<number[]> {
  let done = false;
  const end = (): void => {
    done = true;
  };
  stop.then(end, end);
  const out: number[] = [];
  const pending: Promise<void>[] = [];
  while (!done) {
    const key = stored[Math.floor(Math.random() * stored.length)];
    if (key !== undefined) {
      const [kind, name] = key.split('/') as [ScaleKind, string];
      const t = performance.now();
      pending.push(
        fc
          .resource(kind === 'cm' ? CONFIGMAPS : DEPLOYMENTS, 'default')
          .get(name)
          .then(
            () => void out.push(performance.now() - t),
            // a failed GET is counted, not timed (the caller reports how many failed)
            (err: unknown) => void failures.push(err),
          ),
      );
    }
    await sleep(READ_SAMPLE_MS);
  }
  await Promise.all(pending);
  return out;
}

/** Changes `count` objects of each kind (revision 2: annotation, and a ConfigMap's data). */
export async function changeObjects(fc: RestClient, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const rev = { metadata: { annotations: { [REV_ANNOTATION]: '2' } } };
    await fc
      .resource(CONFIGMAPS, 'default')
      .patch(`cm-${String(i)}`, { ...rev, data: { k: 'w'.repeat(64) } }, 'merge');
    await fc.resource(DEPLOYMENTS, 'default').patch(`deploy-${String(i)}`, rev, 'merge');
    keys.push(keyOf('cm', `cm-${String(i)}`), keyOf('deploy', `deploy-${String(i)}`));
  }
  return keys;
}

/**
 * Waits until `check` holds (polled every 100 ms) or `timeoutMs` passes; true when it held.
 * @throws the signal's reason once it is aborted
 */
export async function until(
  check: () => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    signal?.throwIfAborted();
    if (performance.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}
