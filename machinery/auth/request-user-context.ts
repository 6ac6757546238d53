import { AsyncLocalStorage } from 'node:async_hooks';
import type { UserInfo } from './user-info.js';

/**
 * The authenticated user of the request being served, for admission hooks that need more than the
 * user name they are handed (RBAC escalation checks need the groups). Undefined outside a request:
 * in-process writes (bootstrap, controllers sharing the server's registry) are trusted.
 */
const store = new AsyncLocalStorage<UserInfo>();

/** Runs `fn` with `user` as the current request's user. */
export function runAsRequestUser<T>(user: UserInfo, fn: () => Promise<T>): Promise<T> {
  return store.run(user, fn);
}

/** The user of the request being served, or undefined for in-process calls. */
export function currentRequestUser(): UserInfo | undefined {
  return store.getStore();
}
