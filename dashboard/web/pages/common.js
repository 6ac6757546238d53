// @ts-check
/** What every page shares: resource paths, the page contract, conditions, watch states. */
import { ApiError } from '../api.js';
import { badge, h } from '../dom.js';

/** Collection paths of the federation API the dashboard reads. */
export const PATHS = {
  clusters: '/apis/cluster.flotilla.io/v1alpha1/clusters',
  propagationPolicies: '/apis/policy.flotilla.io/v1alpha1/propagationpolicies',
  resourceBindings: '/apis/work.flotilla.io/v1alpha1/resourcebindings',
  deployments: '/apis/apps/v1/deployments',
  events: '/api/v1/events',
  promotionRequests: '/apis/registry.flotilla.io/v1alpha1/promotionrequests',
  registries: '/apis/registry.flotilla.io/v1alpha1/registries',
  replicationPolicies: '/apis/registry.flotilla.io/v1alpha1/replicationpolicies',
};

/**
 * @typedef {{ type: string, status: string, reason?: string, message?: string,
 *   lastTransitionTime?: string }} Condition
 */

/**
 * What a page gets to render itself.
 * @typedef {object} PageContext
 * @property {import('../watch.js').WatchSet} watches the session's watches
 * @property {import('../api.js').Identity} user who is logged in
 * @property {Map<string, boolean>} can answers of SelfSubjectAccessReviews, by `verb group/resource/sub`
 * @property {(key: string, run: () => Promise<string>) => void} act runs a user action: shows
 *   its result (or the server's refusal) and announces it
 * @property {Map<string, string>} ui page state kept across re-renders (selected options)
 */

/**
 * A page of the dashboard.
 * @typedef {object} Page
 * @property {string} id the hash route (`#/<id>`)
 * @property {string} title the nav label and heading
 * @property {(ctx: PageContext) => (Node | string)[]} render builds the page's content (below its heading)
 */

/**
 * The condition of `type`, if any.
 * @param {Condition[] | undefined} conditions
 * @param {string} type
 * @returns {Condition | undefined}
 */
export function conditionOf(conditions, type) {
  return (conditions ?? []).find((c) => c.type === type);
}

/**
 * A badge for a condition: True is good, False bad, anything else unknown.
 * @param {Condition | undefined} c
 * @param {string} [label] text instead of the status
 * @returns {HTMLElement}
 */
export function conditionBadge(c, label) {
  if (!c) return badge(label ?? 'Unknown', 'warn');
  const text = label ?? (c.status === 'True' ? c.type : `${c.type}: ${c.reason ?? c.status}`);
  return badge(text, c.status === 'True' ? 'ok' : c.status === 'False' ? 'bad' : 'warn');
}

/**
 * A compact list of conditions (type, status, reason, message).
 * @param {Condition[] | undefined} conditions
 * @returns {HTMLElement | string}
 */
export function conditionList(conditions) {
  if (!conditions || conditions.length === 0) return '—';
  return h(
    'ul',
    { class: 'conditions' },
    conditions.map((c) =>
      h(
        'li',
        {},
        conditionBadge(c, `${c.type}=${c.status}`),
        c.reason ? ` ${c.reason}` : '',
        c.message ? h('span', { class: 'muted' }, ` — ${c.message}`) : '',
      ),
    ),
  );
}

/**
 * The loading or failure note of a watch (null once its first list arrived without error).
 * @param {import('../watch.js').ResourceWatch} w
 * @param {string} noun what it lists, for the message ("clusters")
 * @returns {HTMLElement | null}
 */
export function watchState(w, noun) {
  if (w.error) {
    const refused = w.error instanceof ApiError && (w.error.code === 403 || w.error.code === 401);
    return h(
      'p',
      { class: refused ? 'notice refused' : 'notice error', role: 'status' },
      refused ? `You may not list ${noun}: ` : `Cannot load ${noun} (retrying): `,
      w.error.message,
    );
  }
  if (!w.synced) return h('p', { class: 'notice', role: 'status' }, `Loading ${noun}…`);
  return null;
}

/**
 * `namespace/name` (or `name` for cluster-scoped objects).
 * @param {import('../watch.js').KubeObject} o
 * @returns {string}
 */
export function nameOf(o) {
  return o.metadata.namespace
    ? `${o.metadata.namespace}/${o.metadata.name ?? ''}`
    : (o.metadata.name ?? '');
}
