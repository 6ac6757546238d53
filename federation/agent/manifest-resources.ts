/** Where a Work's manifests live in the member: their GroupVersionResource, from the kind. */
import { memberResourceTypes } from '../../api/index.js';
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';
import type { ManifestIdentifier } from '../apis/index.js';

/** Thrown when a manifest's kind is not one the member serves. Not retryable: the Work is wrong. */
export class UnknownManifestKindError extends Error {
  readonly apiVersion: string;
  readonly kind: string;
  readonly retryable = false;

  constructor(apiVersion: string, kind: string) {
    super(`${apiVersion} ${kind} is not a kind this agent can apply`);
    this.name = 'UnknownManifestKindError';
    this.apiVersion = apiVersion;
    this.kind = kind;
  }
}

/** The member resource of a manifest. @throws UnknownManifestKindError */
export function manifestResource(m: KubeObject): {
  gvr: GroupVersionResource;
  namespaced: boolean;
} {
  const [group, version] = m.apiVersion.includes('/')
    ? (m.apiVersion.split('/') as [string, string])
    : ['', m.apiVersion];
  const rt = memberResourceTypes.find(
    (t) => t.group === group && t.version === version && t.kind === m.kind,
  );
  if (!rt) throw new UnknownManifestKindError(m.apiVersion, m.kind);
  return { gvr: { group, version, resource: rt.plural }, namespaced: rt.namespaced };
}

/** The identifier of manifest `ordinal` in a Work's status. */
export function manifestIdentifier(m: KubeObject, ordinal: number): ManifestIdentifier {
  const [group, version] = m.apiVersion.includes('/')
    ? (m.apiVersion.split('/') as [string, string])
    : ['', m.apiVersion];
  return {
    ordinal,
    group,
    version,
    kind: m.kind,
    ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}),
    name: m.metadata.name ?? '',
  };
}
