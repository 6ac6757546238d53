// @ts-check
/**
 * Workloads: each Deployment template at the federation with its policy, the per-cluster replica
 * distribution (a bar with a text alternative), ready/available counts, conditions and events.
 */
import { age, h, svg, table } from '../dom.js';
import { PATHS, conditionList, nameOf, watchState } from './common.js';

/**
 * @typedef {import('../watch.js').KubeObject & { spec?: { replicas?: number },
 *   status?: { replicas?: number, readyReplicas?: number, availableReplicas?: number,
 *     conditions?: import('./common.js').Condition[] } }} Deployment
 * @typedef {import('../watch.js').KubeObject & {
 *   spec: { resource: { apiVersion: string, kind: string, namespace?: string, name: string },
 *     policy?: { namespace: string, name: string }, replicas?: number,
 *     clusters?: { name: string, replicas?: number }[] },
 *   status?: { conditions?: import('./common.js').Condition[],
 *     aggregatedStatus?: { clusterName: string, applied: boolean, appliedMessage?: string,
 *       health?: string, status?: Record<string, unknown> }[] } }} ResourceBinding
 * @typedef {import('../watch.js').KubeObject & { type?: string, reason?: string,
 *   message?: string, count?: number, lastTimestamp?: string, eventTime?: string,
 *   involvedObject?: { kind?: string, namespace?: string, name?: string } }} KubeEvent
 */

/**
 * The binding of a template, if the federation scheduled it.
 * @param {ResourceBinding[]} bindings
 * @param {string} kind
 * @param {import('../watch.js').KubeObject} o
 * @returns {ResourceBinding | undefined}
 */
export function bindingFor(bindings, kind, o) {
  return bindings.find(
    (b) =>
      b.spec.resource.kind === kind &&
      b.spec.resource.name === o.metadata.name &&
      (b.spec.resource.namespace ?? '') === (o.metadata.namespace ?? ''),
  );
}

/**
 * The per-cluster replica bar: an SVG image labelled with the same numbers as the legend.
 * @param {{ name: string, replicas: number, ready: number | undefined }[]} parts
 * @param {string} label whose distribution
 * @returns {HTMLElement}
 */
export function distributionBar(parts, label) {
  const total = parts.reduce((n, p) => n + p.replicas, 0);
  const text = parts.map((p) => `${p.name}: ${String(p.replicas)}`).join(', ');
  let x = 0;
  const rects = parts.map((p, i) => {
    const width = total === 0 ? 0 : (p.replicas / total) * 100;
    const r = svg('rect', { x, y: 0, width, height: 10, class: `seg-${String(i % 6)}` });
    x += width;
    return r;
  });
  return h(
    'div',
    { class: 'distribution' },
    svg(
      'svg',
      {
        class: 'bar',
        viewBox: '0 0 100 10',
        preserveAspectRatio: 'none',
        role: 'img',
        'aria-label': `Replicas of ${label} per cluster: ${text || 'none scheduled'}`,
      },
      svg('rect', { x: 0, y: 0, width: 100, height: 10, class: 'track' }),
      rects,
    ),
    h(
      'ul',
      { class: 'legend' },
      parts.map((p, i) =>
        h(
          'li',
          { 'data-cluster': p.name },
          h('span', { class: `swatch seg-${String(i % 6)}`, 'aria-hidden': 'true' }),
          `${p.name}: ${String(p.replicas)}`,
          p.ready === undefined ? '' : h('span', { class: 'muted' }, ` (${String(p.ready)} ready)`),
        ),
      ),
    ),
  );
}

/**
 * @param {ResourceBinding | undefined} b
 * @returns {{ name: string, replicas: number, ready: number | undefined }[]}
 */
function partsOf(b) {
  if (!b) return [];
  return (b.spec.clusters ?? []).map((c) => {
    const agg = (b.status?.aggregatedStatus ?? []).find((a) => a.clusterName === c.name);
    const ready = agg?.status?.readyReplicas;
    return {
      name: c.name,
      replicas: c.replicas ?? 0,
      ready: typeof ready === 'number' ? ready : undefined,
    };
  });
}

/**
 * @param {KubeEvent} e
 * @returns {string}
 */
const eventTime = (e) => e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '';

/** @type {import('./common.js').Page} */
export const workloadsPage = {
  id: 'workloads',
  title: 'Workloads',
  render(ctx) {
    const dw = ctx.watches.get(PATHS.deployments);
    const bw = ctx.watches.get(PATHS.resourceBindings);
    const ew = ctx.watches.get(PATHS.events);
    if (!dw.synced) return [watchState(dw, 'deployments') ?? ''];
    const deployments = /** @type {Deployment[]} */ (dw.list());
    const bindings = /** @type {ResourceBinding[]} */ (bw.list());
    const events = /** @type {KubeEvent[]} */ (ew.list())
      .filter((e) => e.involvedObject?.kind === 'Deployment')
      .sort((a, b) => eventTime(b).localeCompare(eventTime(a)))
      .slice(0, 20);
    return [
      watchState(dw, 'deployments') ?? '',
      watchState(bw, 'resource bindings') ?? '',
      table(
        'Deployment templates at the federation',
        [
          'Deployment',
          'Propagation policy',
          'Desired',
          'Ready / available',
          'Replicas per cluster',
          'Conditions',
        ],
        deployments.map((d) => {
          const b = bindingFor(bindings, 'Deployment', d);
          return [
            nameOf(d),
            b?.spec.policy ? `${b.spec.policy.namespace}/${b.spec.policy.name}` : 'none',
            String(d.spec?.replicas ?? 1),
            `${String(d.status?.readyReplicas ?? 0)} / ${String(d.status?.availableReplicas ?? 0)}`,
            h('div', { 'data-distribution': nameOf(d) }, distributionBar(partsOf(b), nameOf(d))),
            conditionList(d.status?.conditions),
          ];
        }),
        'No Deployments at the federation.',
      ),
      h('h3', {}, 'Recent Deployment events'),
      watchState(ew, 'events') ?? '',
      ew.synced
        ? table(
            'Events of Deployments, newest first',
            ['Deployment', 'Type', 'Reason', 'Message', 'Count', 'Last seen'],
            events.map((e) => [
              `${e.involvedObject?.namespace ?? ''}/${e.involvedObject?.name ?? ''}`,
              e.type ?? '',
              e.reason ?? '',
              e.message ?? '',
              String(e.count ?? 1),
              age(eventTime(e)),
            ]),
            'No events.',
          )
        : '',
    ];
  },
};
