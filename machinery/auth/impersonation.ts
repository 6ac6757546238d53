import { BadRequestError, ForbiddenError } from '../errors/index.js';
import { forbiddenMessage, type AuthorizationAttributes, type Authorizer } from './authorizer.js';
import { SERVICE_ACCOUNT_USER_PREFIX, serviceAccountUser } from './service-account-token.js';
import {
  ANONYMOUS_USER,
  MASTERS_GROUP,
  UNAUTHENTICATED_GROUP,
  withAuthenticatedGroup,
  type UserInfo,
} from './user-info.js';

/** Request headers, each with every value it was sent with (Node's `headersDistinct`). */
export type DistinctHeaders = Readonly<Record<string, readonly string[] | undefined>>;

const USER = 'impersonate-user';
const GROUP = 'impersonate-group';
const UID = 'impersonate-uid';
const EXTRA = 'impersonate-extra-';

/** The `impersonate` check for one impersonated attribute (Kubernetes' impersonation filter). */
function impersonateAttributes(
  user: UserInfo,
  resource: string,
  name: string,
  namespace = '',
  apiGroup = '',
  subresource = '',
): AuthorizationAttributes {
  return {
    user,
    verb: 'impersonate',
    resourceRequest: true,
    apiGroup,
    apiVersion: '',
    resource,
    subresource,
    namespace,
    name,
    path: '',
  };
}

/** Whether `real` may impersonate: the authorizer decides; without one only system:masters may. */
async function allowed(
  authorizer: Authorizer | undefined,
  a: AuthorizationAttributes,
): Promise<void> {
  const decision = authorizer
    ? await authorizer.authorize(a)
    : { allowed: a.user.groups.includes(MASTERS_GROUP) };
  if (!decision.allowed) {
    throw new ForbiddenError(forbiddenMessage(a, decision.reason), {
      kind: a.resource,
      name: a.name,
    });
  }
}

/**
 * Applies `Impersonate-User` / `Impersonate-Group` / `Impersonate-Uid` / `Impersonate-Extra-*`
 * (kubectl `--as`, `--as-group`, `--as-uid`): every requested attribute must be allowed as verb
 * `impersonate` on `users`, `groups`, `uids`, `userextras/<key>` (or `serviceaccounts` in the
 * namespace for a `system:serviceaccount:` user) for the real user. Returns the real user when
 * no impersonation header is present.
 * @throws ForbiddenError when an attribute may not be impersonated.
 * @throws BadRequestError for groups, uid or extras without a user.
 */
export async function impersonatedUser(
  real: UserInfo,
  headers: DistinctHeaders,
  authorizer: Authorizer | undefined,
): Promise<UserInfo> {
  const names = headers[USER] ?? [];
  const groups = (headers[GROUP] ?? []).filter((g) => g !== '');
  const uids = headers[UID] ?? [];
  const extraKeys = Object.keys(headers).filter((h) => h.startsWith(EXTRA));
  if (names.length === 0) {
    if (groups.length > 0 || uids.length > 0 || extraKeys.length > 0) {
      throw new BadRequestError('impersonating groups, uid or extras requires Impersonate-User');
    }
    return real;
  }
  const [name = ''] = names;
  if (names.length > 1 || name === '' || uids.length > 1) {
    throw new BadRequestError('Impersonate-User and Impersonate-Uid take one value');
  }
  let base: UserInfo = { name, groups: [] };
  if (name.startsWith(SERVICE_ACCOUNT_USER_PREFIX)) {
    const [ns = '', sa = ''] = name.slice(SERVICE_ACCOUNT_USER_PREFIX.length).split(':');
    await allowed(authorizer, impersonateAttributes(real, 'serviceaccounts', sa, ns));
    base = serviceAccountUser(ns, sa);
  } else {
    await allowed(authorizer, impersonateAttributes(real, 'users', name));
  }
  for (const g of groups) await allowed(authorizer, impersonateAttributes(real, 'groups', g));
  const [uid] = uids;
  if (uid !== undefined) {
    await allowed(
      authorizer,
      impersonateAttributes(real, 'uids', uid, '', 'authentication.k8s.io'),
    );
  }
  const extra: Record<string, string[]> = {};
  for (const h of extraKeys) {
    const key = decodeURIComponent(h.slice(EXTRA.length));
    const vals = [...(headers[h] ?? [])];
    for (const v of vals) {
      await allowed(
        authorizer,
        impersonateAttributes(real, 'userextras', v, '', 'authentication.k8s.io', key),
      );
    }
    extra[key] = vals;
  }
  const user: UserInfo = {
    name,
    groups: [...new Set([...base.groups, ...groups])],
    ...(uid !== undefined ? { uid } : {}),
    ...(extraKeys.length > 0 ? { extra } : {}),
  };
  // as in Kubernetes, an impersonated anonymous user stays unauthenticated
  return name === ANONYMOUS_USER
    ? { ...user, groups: [...new Set([...user.groups, UNAUTHENTICATED_GROUP])] }
    : withAuthenticatedGroup(user);
}
