// @ts-check
/**
 * DNS routes of the central resolver: each Cluster's `spec.dns` zone (and the reverse zones its
 * `dns.flotilla.io/reverse-zones` annotation claims) goes to that cluster's DNS server.
 */
import { h, table } from '../dom.js';
import { clusterHealth } from './clusters.js';
import { PATHS, watchState } from './common.js';

/** @typedef {import('./clusters.js').Cluster & { spec: { dns?: { zone: string, server: string } } }} DnsCluster */

const REVERSE_ZONES = 'dns.flotilla.io/reverse-zones';

/**
 * The zones a cluster's DNS server answers for, as the resolver routes them.
 * @param {DnsCluster} c
 * @returns {string[]}
 */
export function zonesOf(c) {
  if (!c.spec.dns) return [];
  const reverse = (c.metadata.annotations?.[REVERSE_ZONES] ?? '')
    .split(',')
    .map((z) => z.trim())
    .filter((z) => z.endsWith('.in-addr.arpa') || z.endsWith('.ip6.arpa'));
  return [c.spec.dns.zone, ...reverse];
}

/** @type {import('./common.js').Page} */
export const dnsPage = {
  id: 'dns',
  title: 'DNS routes',
  render(ctx) {
    const w = ctx.watches.get(PATHS.clusters);
    if (!w.synced) return [watchState(w, 'clusters') ?? ''];
    const clusters = /** @type {DnsCluster[]} */ (w.list());
    const rows = clusters.flatMap((c) =>
      zonesOf(c).map((zone) => [
        h('code', {}, zone),
        c.metadata.name ?? '',
        h('code', {}, c.spec.dns?.server ?? ''),
        clusterHealth(c),
      ]),
    );
    const without = clusters.filter((c) => !c.spec.dns).map((c) => c.metadata.name ?? '');
    return [
      h(
        'p',
        { class: 'summary' },
        'The central resolver sends each zone to the DNS server of the cluster that owns it. ',
        'Federation-wide service names are answered with the ready endpoints of every Ready cluster.',
      ),
      watchState(w, 'clusters') ?? '',
      table(
        'Zone routes',
        ['Zone', 'Cluster', 'DNS server', 'Cluster health'],
        rows,
        'No DNS routes.',
      ),
      without.length > 0
        ? h('p', { class: 'muted' }, `Clusters without cluster DNS: ${without.join(', ')}.`)
        : '',
    ];
  },
};
