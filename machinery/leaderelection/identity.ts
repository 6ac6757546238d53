import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A holderIdentity unique per process, `<hostname>_<uuid>` like kube-controller-manager's. The
 * component name is not part of it (the Lease name already says which component competes); it
 * stands in for the host name only when the host name is empty.
 */
export function leaderElectionIdentity(component: string): string {
  const host = hostname();
  return `${host === '' ? component : host}_${randomUUID()}`;
}
