// @ts-check
/** Clusters: health, version, region/zone, nodes, allocatable vs requested pods, taints, heartbeat. */
import { age, badge, h, table } from '../dom.js';
import { PATHS, conditionOf, watchState } from './common.js';

/**
 * @typedef {import('../watch.js').KubeObject & {
 *   spec: { syncMode?: string, apiEndpoint: string, region?: string, zone?: string,
 *     provider?: string, environment?: string,
 *     taints?: { key: string, value?: string, effect: string }[] },
 *   status?: { conditions?: import('./common.js').Condition[], kubernetesVersion?: string,
 *     resourceSummary?: { allocatablePods: number, allocatedPods: number, readyNodes: number,
 *       allocatable?: Record<string, string>, allocated?: Record<string, string> },
 *     lastProbeTime?: string } }} Cluster
 */

/**
 * Ready / Offline / NotReady badge of a cluster.
 * @param {Cluster} c
 * @returns {HTMLElement}
 */
export function clusterHealth(c) {
  const ready = conditionOf(c.status?.conditions, 'Ready');
  if (ready?.status === 'True') return badge('Ready', 'ok');
  if (!ready) return badge('Unknown', 'warn');
  return badge(ready.reason === 'ClusterOffline' ? 'Offline' : 'NotReady', 'bad');
}

const SUFFIX = /** @type {Record<string, number>} */ ({
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
});

/**
 * The number a Kubernetes quantity stands for (`250m` → 0.25, `1Gi` → 1073741824), NaN if none.
 * @param {string | undefined} q
 * @returns {number}
 */
export function quantity(q) {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec((q ?? '').trim());
  if (!m?.[1]) return NaN;
  const unit = m[2] ?? '';
  const factor = unit === '' ? 1 : SUFFIX[unit];
  return factor === undefined ? NaN : Number(m[1]) * factor;
}

/**
 * One "requested of allocatable" line with a meter.
 * @param {string} cluster
 * @param {string} resource
 * @param {number} used
 * @param {number} total
 * @param {string} text
 * @returns {HTMLElement}
 */
function usageLine(cluster, resource, used, total, text) {
  return h(
    'li',
    { class: 'usage' },
    h('meter', {
      min: 0,
      max: Math.max(total, used, 1e-9),
      value: used,
      'aria-label': `requested ${resource} of ${cluster}`,
    }),
    ` ${text}`,
  );
}

/**
 * Requested vs allocatable pods (and cpu / memory when the cluster reports them).
 * @param {Cluster} c
 * @returns {HTMLElement | string}
 */
function usage(c) {
  const s = c.status?.resourceSummary;
  if (!s) return '—';
  const name = c.metadata.name ?? '';
  const lines = [
    usageLine(
      name,
      'pods',
      s.allocatedPods,
      s.allocatablePods,
      `${String(s.allocatedPods)} of ${String(s.allocatablePods)} pods`,
    ),
  ];
  for (const r of ['cpu', 'memory']) {
    const total = s.allocatable?.[r];
    if (total === undefined) continue;
    const used = s.allocated?.[r] ?? '0';
    const [u, t] = [quantity(used), quantity(total)];
    if (Number.isNaN(u) || Number.isNaN(t)) continue;
    lines.push(usageLine(name, r, u, t, `${used} of ${total} ${r}`));
  }
  return h('ul', { class: 'plain' }, lines);
}

/** @type {import('./common.js').Page} */
export const clustersPage = {
  id: 'clusters',
  title: 'Clusters',
  render(ctx) {
    const w = ctx.watches.get(PATHS.clusters);
    // until the first list arrives (or when it is refused) there is nothing true to tabulate
    if (!w.synced) return [watchState(w, 'clusters') ?? ''];
    const clusters = /** @type {Cluster[]} */ (w.list());
    const ready = clusters.filter(
      (c) => conditionOf(c.status?.conditions, 'Ready')?.status === 'True',
    );
    return [
      h(
        'p',
        { class: 'summary' },
        `${String(clusters.length)} member clusters, ${String(ready.length)} Ready.`,
      ),
      watchState(w, 'clusters') ?? '',
      table(
        'Member clusters',
        [
          'Cluster',
          'Health',
          'Version',
          'Region / zone',
          'Mode',
          'Ready nodes',
          'Requested vs allocatable',
          'Taints',
          'Last heartbeat',
        ],
        clusters.map((c) => [
          c.metadata.name ?? '',
          h('span', { 'data-cluster-health': c.metadata.name ?? '' }, clusterHealth(c)),
          c.status?.kubernetesVersion ?? '—',
          [c.spec.region, c.spec.zone].filter(Boolean).join(' / ') || '—',
          c.spec.syncMode ?? 'Push',
          c.status?.resourceSummary ? String(c.status.resourceSummary.readyNodes) : '—',
          usage(c),
          (c.spec.taints ?? []).length === 0
            ? 'none'
            : h(
                'ul',
                { class: 'plain' },
                (c.spec.taints ?? []).map((t) =>
                  h('li', {}, h('code', {}, `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`)),
                ),
              ),
          age(c.status?.lastProbeTime),
        ]),
        'No member clusters have joined.',
      ),
    ];
  },
};
