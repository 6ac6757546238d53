// @ts-check
/** Registries (one per environment) and the replication policies between them. */
import { badge, h, table } from '../dom.js';
import { PATHS, watchState } from './common.js';

/**
 * @typedef {import('../watch.js').KubeObject & { spec: { url: string, environment: string,
 *   credentialsSecretRef?: { namespace: string, name: string }, caBundle?: string,
 *   caBundleRef?: { kind: string, namespace: string, name: string } } }} Registry
 */

/** @type {import('./common.js').Page} */
export const registriesPage = {
  id: 'registries',
  title: 'Registries',
  render(ctx) {
    const rw = ctx.watches.get(PATHS.registries);
    const pw = ctx.watches.get(PATHS.replicationPolicies);
    const registries = /** @type {Registry[]} */ (rw.list());
    const policies = /** @type {import('./promotions.js').ReplicationPolicy[]} */ (pw.list());
    return [
      watchState(rw, 'registries') ?? '',
      rw.synced
        ? table(
            'Registries',
            ['Registry', 'Environment', 'URL', 'Credentials', 'TLS trust'],
            registries.map((r) => [
              r.metadata.name ?? '',
              r.spec.environment,
              h('code', {}, r.spec.url),
              r.spec.credentialsSecretRef
                ? `Secret ${r.spec.credentialsSecretRef.namespace}/${r.spec.credentialsSecretRef.name}`
                : 'none',
              r.spec.caBundle !== undefined
                ? 'own CA bundle'
                : r.spec.caBundleRef
                  ? `${r.spec.caBundleRef.kind} ${r.spec.caBundleRef.namespace}/${r.spec.caBundleRef.name}`
                  : r.spec.url.startsWith('https://')
                    ? 'system CAs'
                    : 'plain http',
            ]),
            'No registries.',
          )
        : '',
      h('h3', {}, 'Replication policies'),
      watchState(pw, 'replication policies') ?? '',
      pw.synced
        ? table(
            'Replication policies',
            ['Policy', 'Source → target', 'Mode', 'Repositories', 'Tags', 'Approval', 'Approvers'],
            policies.map((p) => [
              p.metadata.name ?? '',
              `${p.spec.source} → ${p.spec.target}`,
              p.spec.mode ?? 'OneWay',
              (p.spec.repositories ?? []).join(', ') || 'all',
              (p.spec.tags ?? []).join(', ') || 'all',
              p.spec.requiresApproval ? badge('required', 'warn') : badge('automatic', 'info'),
              (p.spec.approvers ?? []).length === 0
                ? '—'
                : h(
                    'ul',
                    { class: 'plain' },
                    (p.spec.approvers ?? []).map((a) =>
                      h('li', {}, `${a.role}: ${a.users.join(', ')}`),
                    ),
                  ),
            ]),
            'No replication policies.',
          )
        : '',
    ];
  },
};
