// @ts-check
/** Bindings: every ResourceBinding's placement and per-cluster application, failures first. */
import { badge, h, table } from '../dom.js';
import { PATHS, conditionList, nameOf, watchState } from './common.js';

/** @typedef {import('./workloads.js').ResourceBinding} ResourceBinding */

/**
 * The failures of a binding: conditions that are False, clusters where applying failed or the
 * object is unhealthy.
 * @param {ResourceBinding} b
 * @returns {string[]}
 */
export function failuresOf(b) {
  const out = (b.status?.conditions ?? [])
    .filter((c) => c.status === 'False')
    .map((c) => `${c.type}: ${c.reason ?? ''}${c.message ? ` — ${c.message}` : ''}`);
  for (const a of b.status?.aggregatedStatus ?? []) {
    if (!a.applied)
      out.push(`${a.clusterName}: not applied${a.appliedMessage ? ` — ${a.appliedMessage}` : ''}`);
    else if (a.health === 'Unhealthy') out.push(`${a.clusterName}: unhealthy`);
  }
  return out;
}

/**
 * @param {ResourceBinding} b
 * @returns {HTMLElement | string}
 */
function perCluster(b) {
  const clusters = b.spec.clusters ?? [];
  if (clusters.length === 0) return badge('not scheduled', 'warn');
  return h(
    'ul',
    { class: 'plain' },
    clusters.map((c) => {
      const agg = (b.status?.aggregatedStatus ?? []).find((a) => a.clusterName === c.name);
      const state = !agg
        ? badge('pending', 'info')
        : !agg.applied
          ? badge('apply failed', 'bad')
          : agg.health === 'Unhealthy'
            ? badge('unhealthy', 'bad')
            : badge(agg.health === 'Healthy' ? 'healthy' : 'applied', 'ok');
      return h(
        'li',
        {},
        `${c.name}${c.replicas === undefined ? '' : ` (${String(c.replicas)})`} `,
        state,
      );
    }),
  );
}

/** @type {import('./common.js').Page} */
export const bindingsPage = {
  id: 'bindings',
  title: 'Bindings',
  render(ctx) {
    const w = ctx.watches.get(PATHS.resourceBindings);
    if (!w.synced) return [watchState(w, 'resource bindings') ?? ''];
    const bindings = /** @type {ResourceBinding[]} */ (w.list());
    const failing = bindings.filter((b) => failuresOf(b).length > 0);
    return [
      watchState(w, 'resource bindings') ?? '',
      h('h3', {}, 'Failures'),
      failing.length === 0
        ? h('p', { class: 'summary' }, 'No failing bindings.')
        : table(
            'Bindings with failures',
            ['Binding', 'Resource', 'Failures'],
            failing.map((b) => [
              nameOf(b),
              `${b.spec.resource.kind} ${b.spec.resource.name}`,
              h(
                'ul',
                { class: 'plain' },
                failuresOf(b).map((f) => h('li', {}, f)),
              ),
            ]),
            '',
          ),
      h('h3', {}, 'All bindings'),
      table(
        'Resource bindings (scheduling results)',
        ['Binding', 'Resource', 'Policy', 'Clusters', 'Conditions'],
        bindings.map((b) => [
          nameOf(b),
          `${b.spec.resource.kind} ${b.spec.resource.namespace ? `${b.spec.resource.namespace}/` : ''}${b.spec.resource.name}`,
          b.spec.policy ? `${b.spec.policy.namespace}/${b.spec.policy.name}` : '—',
          perCluster(b),
          conditionList(b.status?.conditions),
        ]),
        'No resource bindings.',
      ),
    ];
  },
};
