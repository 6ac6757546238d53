// @ts-check
/**
 * Promotion requests: image and digest, requester, approvals, progress, and approve / reject
 * buttons (enabled when a SelfSubjectAccessReview says the user may approve; the server still
 * decides: its refusal, such as the two-person rule, is shown).
 */
import { request } from '../api.js';
import { age, badge, h, table } from '../dom.js';
import { PATHS, watchState } from './common.js';

/**
 * @typedef {import('../watch.js').KubeObject & {
 *   spec: { image: { repository: string, digest: string, tag?: string }, from: string,
 *     to: string, requester: string, reason?: string, policy?: string },
 *   status?: { phase?: string,
 *     approvals?: { user: string, role: string, decision: string, time: string }[],
 *     progress?: { blobsTotal: number, blobsDone: number, blobsSkipped: number, bytesDone: number },
 *     attempts?: number, message?: string } }} PromotionRequest
 * @typedef {import('../watch.js').KubeObject & { spec: { source: string, target: string,
 *   mode?: string, repositories?: string[], tags?: string[], requiresApproval?: boolean,
 *   approvers?: { role: string, users: string[] }[] } }} ReplicationPolicy
 */

/** The access review key of "may approve promotion requests". */
export const APPROVE_ACCESS = {
  verb: 'approve',
  group: 'registry.flotilla.io',
  resource: 'promotionrequests',
  subresource: 'approval',
};
/** Id of the note saying why the decision buttons are disabled. */
export const APPROVE_HINT_ID = 'approve-hint';
/** Map key of {@link APPROVE_ACCESS} in `PageContext.can`. */
export const APPROVE_KEY = 'approve registry.flotilla.io/promotionrequests/approval';

/**
 * @param {string | undefined} phase
 * @returns {HTMLElement}
 */
function phaseBadge(phase) {
  const p = phase ?? 'Pending';
  const tone =
    p === 'Succeeded'
      ? 'ok'
      : p === 'Failed' || p === 'Rejected'
        ? 'bad'
        : p === 'Pending'
          ? 'warn'
          : 'info';
  return badge(p, tone);
}

/**
 * @param {number} n
 * @returns {string}
 */
function bytes(n) {
  if (n < 1024) return `${String(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * @param {PromotionRequest} p
 * @returns {HTMLElement | string}
 */
function progress(p) {
  const g = p.status?.progress;
  if (!g) return '—';
  const done = g.blobsDone + g.blobsSkipped;
  return h(
    'span',
    { class: 'usage' },
    h('progress', {
      max: Math.max(1, g.blobsTotal),
      value: done,
      'aria-label': `copy progress of ${p.metadata.name ?? ''}`,
    }),
    ` ${String(done)}/${String(g.blobsTotal)} blobs, ${bytes(g.bytesDone)}`,
  );
}

/**
 * The approver roles `user` holds for the request (from the ReplicationPolicy it falls under).
 * @param {ReplicationPolicy[]} policies
 * @param {PromotionRequest} p
 * @param {string} user
 * @returns {string[]}
 */
export function rolesFor(policies, p, user) {
  const policy =
    policies.find((x) => x.metadata.name === p.spec.policy) ??
    policies.find((x) => x.spec.source === p.spec.from && x.spec.target === p.spec.to);
  return (policy?.spec.approvers ?? []).filter((a) => a.users.includes(user)).map((a) => a.role);
}

/**
 * @param {import('./common.js').PageContext} ctx
 * @param {PromotionRequest} p
 * @param {string[]} roles
 * @returns {HTMLElement}
 */
function actions(ctx, p, roles) {
  const name = p.metadata.name ?? '';
  const allowed = ctx.can.get(APPROVE_KEY) === true;
  const pending = (p.status?.phase ?? 'Pending') === 'Pending';
  const roleId = `role-${name}`;
  const selected = ctx.ui.get(roleId) ?? roles[0];
  /** @param {'approve' | 'reject'} decision */
  const decide = (decision) => {
    ctx.act(`${decision}-${name}`, async () => {
      const role = roles.length > 1 ? (ctx.ui.get(roleId) ?? roles[0]) : roles[0];
      /** @type {PromotionRequest} */
      const out = await request(`${PATHS.promotionRequests}/${encodeURIComponent(name)}/approval`, {
        method: 'POST',
        body: role === undefined ? { decision } : { decision, role },
      });
      return `You ${decision === 'approve' ? 'approved' : 'rejected'} promotion request ${name} (now ${out.status?.phase ?? 'updated'}); this page follows its progress.`;
    });
  };
  if (!pending) return h('span', { class: 'muted' }, 'decided');
  // one page-level note says why the buttons are disabled (see APPROVE_HINT_ID)
  const describedBy = allowed ? undefined : APPROVE_HINT_ID;
  const disabled = !allowed;
  return h(
    'div',
    { class: 'actions' },
    roles.length > 1 && !disabled
      ? h(
          'span',
          { class: 'field' },
          h('label', { for: roleId }, 'Role'),
          h(
            'select',
            {
              id: roleId,
              onchange: (ev) => {
                ctx.ui.set(roleId, /** @type {HTMLSelectElement} */ (ev.target).value);
              },
            },
            roles.map((r) => h('option', { value: r, selected: r === selected }, r)),
          ),
        )
      : '',
    h(
      'button',
      {
        type: 'button',
        id: `approve-${name}`,
        class: 'approve',
        disabled,
        'aria-describedby': describedBy,
        'aria-label': `Approve ${name}`,
        onclick: () => {
          decide('approve');
        },
      },
      'Approve',
    ),
    h(
      'button',
      {
        type: 'button',
        id: `reject-${name}`,
        class: 'reject',
        disabled,
        'aria-describedby': describedBy,
        'aria-label': `Reject ${name}`,
        onclick: () => {
          decide('reject');
        },
      },
      'Reject',
    ),
  );
}

/** @type {import('./common.js').Page} */
export const promotionsPage = {
  id: 'promotions',
  title: 'Promotions',
  render(ctx) {
    const w = ctx.watches.get(PATHS.promotionRequests);
    const pw = ctx.watches.get(PATHS.replicationPolicies);
    const policies = /** @type {ReplicationPolicy[]} */ (pw.list());
    if (!w.synced) return [watchState(w, 'promotion requests') ?? ''];
    const requests = /** @type {PromotionRequest[]} */ (w.list()).sort((a, b) =>
      (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
    );
    return [
      ctx.can.get(APPROVE_KEY) === true
        ? ''
        : h(
            'p',
            { id: APPROVE_HINT_ID, class: 'notice refused' },
            `${ctx.user.username} may not approve or reject promotion requests (RBAC grants no verb approve on promotionrequests/approval).`,
          ),
      watchState(w, 'promotion requests') ?? '',
      table(
        'Promotion requests, newest first',
        [
          'Request',
          'Image',
          'From → to',
          'Requester',
          'Approvals',
          'Phase',
          'Progress',
          'Decision',
        ],
        requests.map((p) => [
          p.metadata.name ?? '',
          h(
            'span',
            { class: 'image' },
            `${p.spec.image.repository}${p.spec.image.tag ? `:${p.spec.image.tag}` : ''}`,
            h('br'),
            h('code', { title: p.spec.image.digest }, `${p.spec.image.digest.slice(0, 19)}…`),
          ),
          `${p.spec.from} → ${p.spec.to}`,
          p.spec.requester,
          (p.status?.approvals ?? []).length === 0
            ? 'none'
            : h(
                'ul',
                { class: 'plain' },
                (p.status?.approvals ?? []).map((a) =>
                  h('li', {}, `${a.user} (${a.role}) ${a.decision}d `, age(a.time)),
                ),
              ),
          h(
            'span',
            { 'data-phase': p.metadata.name ?? '' },
            phaseBadge(p.status?.phase),
            p.status?.message ? h('span', { class: 'muted message' }, ` ${p.status.message}`) : '',
          ),
          progress(p),
          actions(ctx, p, rolesFor(policies, p, ctx.user.username)),
        ]),
        'No promotion requests.',
      ),
    ];
  },
};
