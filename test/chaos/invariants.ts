/**
 * The chaos run's invariants, checked against the federation and every member once the faults
 * are over. Each check counts what it looked at and lists its violations:
 *   durable     every write the federation acknowledged (and not deleted since) is what it holds
 *   placement   every object in the federation exists in exactly the members its policy selects,
 *               with the federation's spec (Divided Deployments: replicas as divided, summing to
 *               the federation's replicas; Services: ports and selector, not the clusterIP each
 *               member allocates); for each kind (Deployments, ConfigMaps, Services, Widgets)
 *   deleted     nothing the federation deleted (or no longer holds) is left in a member
 *   surge       in each member no Deployment has more pods than replicas + maxSurge
 *   clusters    every member is Ready at the federation
 *   processes   every supervised process is running
 *   dns         each member's cluster DNS (and the resolver) answers the workload's Service name
 *               with the member's ClusterIP (dns-check.ts; only when `dns` is given)
 * `deployments`, `configmaps`, `services` and `widgets` count the objects of each kind in the
 * federation whose placement was checked. A member without the Widget CRD (it follows the
 * Widgets) holds no Widget.
 */
import { readFileSync } from 'node:fs';
import { PODS, type Deployment, type Pod } from '../../api/index.js';
import {
  CLUSTERS,
  PROPAGATION_POLICIES,
  type Cluster,
  type PropagationPolicy,
} from '../../federation/apis/index.js';
import { selectorsMatch } from '../../federation/overrides/apply-overrides.js';
import {
  ANNOTATION_GENERATION,
  isManaged,
  isSubset,
} from '../../federation/controllers/propagation/member-object.js';
import { isClusterReady, place } from '../../federation/scheduler/placement.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { NotFoundError } from '../../machinery/errors/index.js';
import type { KubeList, KubeObject } from '../../machinery/meta.js';
import { surgeAndUnavailable } from '../../member/controllers/deployment/rollout.js';
import type { ProcessStatus } from '../../hack/lib/supervisor-types.js';
import { checkDns, type DnsInputs } from './dns-check.js';
import { memberContent, WORKLOAD_KINDS } from './workload-objects.js';
import { CHAOS_NAMESPACE, versionOf, type Tracked } from './workload.js';

/** Counts of what each invariant looked at, and every violation found. */
export interface InvariantReport {
  checked: Record<string, number>;
  violations: string[];
}

/** What the checks read. */
export interface InvariantInputs {
  federation: RestClient;
  /** Member name → admin client. */
  members: Map<string, RestClient>;
  ledger: ReadonlyMap<string, Tracked>;
  processes: ProcessStatus[];
  /** The DNS servers to check (else the `dns` invariant is left out). */
  dns?: DnsInputs;
}

function alive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    return !readFileSync(`/proc/${String(pid)}/status`, 'utf8').includes('State:\tZ');
  } catch {
    return false;
  }
}

/** A member's list of a kind it does not serve (the Widget CRD is not there) is empty. */
const orEmpty = (err: unknown): KubeList<KubeObject> => {
  if (!(err instanceof NotFoundError)) throw err;
  return { apiVersion: 'v1', kind: 'List', metadata: {}, items: [] };
};

const state = (version: number, replicas: number | undefined): string =>
  `version ${String(version)}${replicas === undefined ? '' : ` replicas ${String(replicas)}`}`;

/** Checks every invariant once (see the module comment). */
export async function checkInvariants(i: InvariantInputs): Promise<InvariantReport> {
  const checked: Record<string, number> = {
    durable: 0,
    placement: 0,
    'divided sums': 0,
    deleted: 0,
    surge: 0,
    clusters: 0,
    processes: 0,
  };
  const violations: string[] = [];
  const bad = (what: string, msg: string): void => void violations.push(`${what}: ${msg}`);

  for (const p of i.processes) {
    checked.processes = (checked.processes ?? 0) + 1;
    if (p.state !== 'running' || !alive(p.pid)) {
      bad('processes', `${p.name} is ${p.state} (pid ${String(p.pid)})`);
    }
  }
  if (i.dns) checked.dns = await checkDns(i.dns, bad);
  const clusters = (await i.federation.resource<Cluster>(CLUSTERS).list()).items;
  for (const name of i.members.keys()) {
    checked.clusters = (checked.clusters ?? 0) + 1;
    const c = clusters.find((x) => x.metadata.name === name);
    if (!c || !isClusterReady(c)) bad('clusters', `${name} is not Ready at the federation`);
  }
  const policies = (
    await i.federation.resource<PropagationPolicy>(PROPAGATION_POLICIES, CHAOS_NAMESPACE).list()
  ).items;
  for (const { kind, apiVersion, gvr, op } of WORKLOAD_KINDS) {
    checked[`${op}s`] = 0;
    const fed = new Map(
      (await i.federation.resource(gvr, CHAOS_NAMESPACE).list()).items.map((o) => [
        o.metadata.name ?? '',
        { ...o, apiVersion, kind },
      ]),
    );
    const inMember = new Map<string, Map<string, KubeObject>>();
    for (const [m, c] of i.members) {
      const list = await c.resource(gvr, CHAOS_NAMESPACE).list().catch(orEmpty);
      const items = list.items.filter(isManaged);
      inMember.set(
        m,
        new Map(items.map((o) => [o.metadata.name ?? '', { ...o, apiVersion, kind }])),
      );
    }
    // durable: what the federation acknowledged is what it holds
    for (const t of i.ledger.values()) {
      if (t.kind !== kind) continue;
      const have = fed.get(t.name);
      if (t.state === 'live') {
        checked.durable = (checked.durable ?? 0) + 1;
        if (!have || have.metadata.deletionTimestamp) {
          bad(
            'durable',
            `${kind} ${t.name}: acknowledged, never deleted, gone from the federation`,
          );
        } else if (!t.uncertain) {
          const v = versionOf(have);
          const r = kind === 'Deployment' ? (have as Deployment).spec.replicas : undefined;
          if (v !== t.version || (kind === 'Deployment' && r !== t.replicas)) {
            bad(
              'durable',
              `${kind} ${t.name}: acknowledged ${state(t.version, t.replicas)}, the federation holds ${state(v, r)}`,
            );
          }
        }
      }
      if (t.state === 'deleted') {
        checked.deleted = (checked.deleted ?? 0) + 1;
        if (have) bad('deleted', `${kind} ${t.name}: deleted, still in the federation`);
      }
    }
    // deleted: nothing the federation does not hold is left in a member
    for (const [m, objs] of inMember) {
      for (const name of objs.keys()) {
        if (!fed.has(name)) bad('deleted', `${kind} ${name}: not in the federation, left in ${m}`);
      }
    }
    // placement
    for (const [name, obj] of fed) {
      if (obj.metadata.deletionTimestamp) {
        bad('placement', `${kind} ${name}: still being deleted at the federation`);
        continue;
      }
      checked.placement = (checked.placement ?? 0) + 1;
      checked[`${op}s`] = (checked[`${op}s`] ?? 0) + 1;
      const policy = policies
        .filter((p) => selectorsMatch(p.spec.resourceSelectors, obj))
        .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
      const replicas = kind === 'Deployment' ? ((obj as Deployment).spec.replicas ?? 1) : undefined;
      const want = policy ? place(policy.spec.placement, clusters, replicas).clusters : [];
      let sum = 0;
      for (const [m, objs] of inMember) {
        const got = objs.get(name);
        const target = want.find((w) => w.name === m);
        if (!target) {
          if (got) bad('placement', `${kind} ${name}: in ${m}, which its policy does not select`);
          continue;
        }
        if (!got) {
          bad('placement', `${kind} ${name}: missing from ${m}`);
          continue;
        }
        const gen = got.metadata.annotations?.[ANNOTATION_GENERATION];
        if (!isSubset(memberContent(obj), memberContent(got))) {
          bad(
            'placement',
            `${kind} ${name} in ${m}: spec differs from the federation's (federation version ${String(versionOf(obj))} generation ${String(obj.metadata.generation)}, member version ${String(versionOf(got))} from generation ${String(gen)})`,
          );
        }
        if (kind === 'Deployment') {
          const r = (got as Deployment).spec.replicas ?? 1;
          sum += r;
          if (r !== target.replicas) {
            bad(
              'placement',
              `${kind} ${name} in ${m}: replicas ${String(r)}, placed ${String(target.replicas)}`,
            );
          }
        }
      }
      const divided = policy?.spec.placement.replicaScheduling?.replicaSchedulingType === 'Divided';
      if (divided && replicas !== undefined && want.length > 0) {
        checked['divided sums'] = (checked['divided sums'] ?? 0) + 1;
        if (sum !== replicas) {
          bad(
            'divided sums',
            `Deployment ${name}: members hold ${String(sum)} of ${String(replicas)}`,
          );
        }
      }
    }
    if (kind === 'Deployment') {
      for (const [m, objs] of inMember) await checkSurge(i, m, objs, checked, bad);
    }
  }
  return { checked, violations };
}

/** In member `m`: pods per Deployment (not terminating, not finished) ≤ replicas + maxSurge. */
async function checkSurge(
  i: InvariantInputs,
  m: string,
  deployments: Map<string, KubeObject>,
  checked: Record<string, number>,
  bad: (what: string, msg: string) => void,
): Promise<void> {
  const client = i.members.get(m);
  if (!client) return;
  const pods = (await client.resource<Pod>(PODS, CHAOS_NAMESPACE).list()).items.filter(
    (p) =>
      !p.metadata.deletionTimestamp &&
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed',
  );
  for (const [name, obj] of deployments) {
    const d = obj as Deployment;
    checked.surge = (checked.surge ?? 0) + 1;
    const sel = d.spec.selector.matchLabels ?? {};
    const n = pods.filter((p) =>
      Object.entries(sel).every(([k, v]) => p.metadata.labels?.[k] === v),
    ).length;
    const max = (d.spec.replicas ?? 1) + surgeAndUnavailable(d).surge;
    if (n > max) {
      bad('surge', `Deployment ${name} in ${m}: ${String(n)} pods, at most ${String(max)}`);
    }
  }
}
