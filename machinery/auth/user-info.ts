/** Who made a request, as an authenticator established it (Kubernetes `user.Info`). */
export interface UserInfo {
  readonly name: string;
  readonly uid?: string;
  /** Groups, including the virtual `system:authenticated` / `system:unauthenticated`. */
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** Group every authenticated user is in. */
export const AUTHENTICATED_GROUP = 'system:authenticated';
/** Group of requests that carry no credentials. */
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
/** Members of this group pass every authorization check (Kubernetes' `system:masters`). */
export const MASTERS_GROUP = 'system:masters';
/** The user name of requests without credentials. */
export const ANONYMOUS_USER = 'system:anonymous';

/** The anonymous user (only reaches the public paths). */
export const anonymousUser: UserInfo = Object.freeze({
  name: ANONYMOUS_USER,
  groups: Object.freeze([UNAUTHENTICATED_GROUP]),
});

/** Adds `system:authenticated` to a user's groups when it is missing. */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(AUTHENTICATED_GROUP)) return user;
  return { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] };
}
