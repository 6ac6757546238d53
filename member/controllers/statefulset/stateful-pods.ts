/** StatefulSet pod identity: `<set>-<ordinal>` names, hostname/subdomain and identity labels. */
import type { Pod, PodTemplateSpec, StatefulSet } from '../../../api/index.js';
import { CONTROLLER_REVISION_HASH } from '../controller-history.js';
import { isPodReady } from '../pod-template.js';
import { newPod } from '../workload-pods.js';

/** Label with the pod's own name (Services can select one replica). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** Label with the pod's ordinal. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** The ordinal of a pod of `set`, or undefined when its name is not `<set>-<n>`. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${set.metadata.name ?? ''}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** Pod `<set>-<ordinal>` from `template`, with stable DNS identity and revision label. */
export function statefulPod(
  set: StatefulSet,
  ordinal: number,
  template: PodTemplateSpec,
  revision: string,
): Pod {
  const name = `${set.metadata.name ?? ''}-${String(ordinal)}`;
  return newPod(set, template, {
    name,
    // hostname + subdomain = serviceName give the pod `<name>.<service>.<ns>.svc.<domain>`
    hostname: name,
    ...(set.spec.serviceName ? { subdomain: set.spec.serviceName } : {}),
    labels: {
      [POD_NAME_LABEL]: name,
      [POD_INDEX_LABEL]: String(ordinal),
      [CONTROLLER_REVISION_HASH]: revision,
    },
  });
}

/** True for a pod that is running, ready and not being deleted. */
export function isHealthy(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && isPodReady(p);
}

/** The revision name a pod was made from. */
export const podRevision = (p: Pod): string | undefined =>
  p.metadata.labels?.[CONTROLLER_REVISION_HASH];
