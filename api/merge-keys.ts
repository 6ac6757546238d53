/**
 * Strategic-merge-patch list keys of a PodSpec found at `prefix` (as in the Kubernetes types:
 * containers by name, ports by containerPort, env by name, volumes by name, mounts by mountPath).
 */
export function podSpecMergeKeys(prefix: string): Record<string, string> {
  const out: Record<string, string> = {
    [`${prefix}.volumes`]: 'name',
    [`${prefix}.tolerations`]: 'key',
  };
  for (const list of ['containers', 'initContainers']) {
    const c = `${prefix}.${list}`;
    out[c] = 'name';
    out[`${c}.ports`] = 'containerPort';
    out[`${c}.env`] = 'name';
    out[`${c}.volumeMounts`] = 'mountPath';
  }
  return out;
}
