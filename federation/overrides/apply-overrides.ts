import type { Cluster, Overriders, OverridePolicy, ResourceSelector } from '../apis/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import { applyJsonPatch } from '../../machinery/patch/index.js';
import { labelSelectorFromObject } from '../../machinery/selectors/index.js';
import { clusterMatches } from '../scheduler/placement.js';

/** True when a template matches one of the selectors. */
export function selectorsMatch(selectors: ResourceSelector[], obj: KubeObject): boolean {
  return selectors.some(
    (s) =>
      s.apiVersion === obj.apiVersion &&
      s.kind === obj.kind &&
      (s.name === undefined || s.name === obj.metadata.name) &&
      (s.namespace === undefined || s.namespace === obj.metadata.namespace) &&
      (s.labelSelector === undefined ||
        labelSelectorFromObject(s.labelSelector).matches(obj.metadata.labels)),
  );
}

interface ImageParts {
  registry: string;
  repository: string;
  tag: string;
  digest: string;
}

function parseImage(image: string): ImageParts {
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at);
    rest = rest.slice(0, at);
  }
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  let registry = '';
  const slash = rest.indexOf('/');
  if (slash > 0 && /[.:]|^localhost$/.test(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    rest = rest.slice(slash + 1);
  }
  return { registry, repository: rest, tag, digest };
}

function formatImage(p: ImageParts): string {
  return `${p.registry ? `${p.registry}/` : ''}${p.repository}${p.tag ? `:${p.tag}` : ''}${p.digest}`;
}

/** Applies Karmada-style image overriders to one image reference. */
export function overrideImage(
  image: string,
  ops: NonNullable<Overriders['imageOverrider']>,
): string {
  const p = parseImage(image);
  for (const op of ops) {
    const key =
      op.component === 'Registry'
        ? 'registry'
        : op.component === 'Repository'
          ? 'repository'
          : 'tag';
    if (op.operator === 'remove') p[key] = '';
    else if (op.operator === 'replace') p[key] = op.value ?? '';
    else if (op.operator === 'add') {
      p[key] = key === 'registry' ? `${p.registry}${op.value ?? ''}` : `${p[key]}${op.value ?? ''}`;
    }
  }
  return formatImage(p);
}

type Containers = { name: string; image: string; args?: string[] }[];

function podContainers(obj: KubeObject): Containers {
  const spec = obj.spec as
    { template?: { spec?: { containers?: Containers } }; containers?: Containers } | undefined;
  return spec?.template?.spec?.containers ?? spec?.containers ?? [];
}

function applyMap(
  target: Record<string, string>,
  ops: { operator: string; value: Record<string, string> }[],
): Record<string, string> {
  const out = { ...target };
  for (const op of ops) {
    for (const [k, v] of Object.entries(op.value)) {
      if (op.operator === 'remove') delete out[k];
      else out[k] = v;
    }
  }
  return out;
}

/** Applies one set of overriders to a (copied) object. */
export function applyOverriders(obj: KubeObject, o: Overriders): KubeObject {
  let out = structuredClone(obj);
  if (o.imageOverrider) {
    for (const c of podContainers(out)) c.image = overrideImage(c.image, o.imageOverrider);
  }
  for (const a of o.argsOverrider ?? []) {
    const c = podContainers(out).find((x) => x.name === a.containerName);
    if (!c) continue;
    c.args =
      a.operator === 'add'
        ? [...(c.args ?? []), ...a.value]
        : (c.args ?? []).filter((x) => !a.value.includes(x));
  }
  if (o.labelsOverrider) {
    out.metadata.labels = applyMap(out.metadata.labels ?? {}, o.labelsOverrider);
  }
  if (o.annotationsOverrider) {
    out.metadata.annotations = applyMap(out.metadata.annotations ?? {}, o.annotationsOverrider);
  }
  if (o.replicasOverrider !== undefined && out.spec && typeof out.spec === 'object') {
    (out.spec as { replicas?: number }).replicas = o.replicasOverrider;
  }
  if (o.plaintext && o.plaintext.length > 0) {
    out = applyJsonPatch(
      out,
      o.plaintext.map((p) => ({ op: p.operator, path: p.path, value: p.value })),
    ) as KubeObject;
  }
  return out;
}

/** Applies every matching OverridePolicy rule for `cluster`, in policy-name order. */
export function applyOverridePolicies(
  obj: KubeObject,
  cluster: Cluster,
  policies: OverridePolicy[],
): KubeObject {
  let out = obj;
  for (const p of [...policies].sort((a, b) =>
    (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  )) {
    if (
      p.metadata.namespace !== obj.metadata.namespace ||
      !selectorsMatch(p.spec.resourceSelectors, obj)
    ) {
      continue;
    }
    for (const rule of p.spec.overrideRules) {
      if (clusterMatches(cluster, rule.targetCluster)) out = applyOverriders(out, rule.overriders);
    }
  }
  return out;
}
