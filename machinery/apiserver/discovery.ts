import { resourceApiVersion, type ResourceType } from '../resource-type.js';

/** Verbs served for every resource. */
const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Subresources whose body is another kind, as kube-apiserver lists them. */
const SUBRESOURCE_KINDS: Record<string, { group: string; version: string; kind: string }> = {
  'pods/eviction': { group: 'policy', version: 'v1', kind: 'Eviction' },
  'serviceaccounts/token': { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
};

/** Custom subresources that are read and written rather than posted to (default: get, create). */
const SUBRESOURCE_VERBS: Record<string, string[]> = {
  'pods/ephemeralcontainers': ['get', 'patch', 'update'],
};

/** Groups resource types by group and version for discovery. */
export class DiscoveryIndex {
  private readonly byGv = new Map<string, ResourceType[]>();
  private readonly extraSubresources = new Map<string, Set<string>>();
  /** Resources served with fewer verbs than {@link VERBS} (read-only ones, e.g. metrics.k8s.io). */
  private readonly verbs = new Map<ResourceType, string[]>();

  constructor(resources: ResourceType[]) {
    for (const rt of resources) {
      const gv = resourceApiVersion(rt);
      const list = this.byGv.get(gv) ?? [];
      list.push(rt);
      this.byGv.set(gv, list);
    }
  }

  /** Adds a resource after construction, optionally with its own verbs (e.g. `get`, `list`). */
  add(rt: ResourceType, verbs?: string[]): void {
    const gv = resourceApiVersion(rt);
    const list = this.byGv.get(gv) ?? [];
    list.push(rt);
    this.byGv.set(gv, list);
    if (verbs) this.verbs.set(rt, verbs);
  }

  /**
   * Removes a resource added before (a custom resource whose CRD went away or changed); its
   * group-version disappears with its last resource.
   */
  remove(rt: ResourceType): void {
    const gv = resourceApiVersion(rt);
    const list = (this.byGv.get(gv) ?? []).filter((r) => r !== rt);
    if (list.length === 0) this.byGv.delete(gv);
    else this.byGv.set(gv, list);
    this.verbs.delete(rt);
  }

  /** Adds a custom subresource (e.g. pods/log) to discovery. */
  addSubresource(rt: ResourceType, sub: string): void {
    const key = `${resourceApiVersion(rt)}/${rt.plural}`;
    const set = this.extraSubresources.get(key) ?? new Set<string>();
    set.add(sub);
    this.extraSubresources.set(key, set);
  }

  /** Finds a resource type by group, version and plural. */
  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byGv
      .get(group === '' ? version : `${group}/${version}`)
      ?.find((r) => r.plural === plural);
  }

  /** All served resource types. */
  all(): ResourceType[] {
    return [...this.byGv.values()].flat();
  }

  private groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const rt of this.all()) {
      if (rt.group === '') continue;
      const versions = groups.get(rt.group) ?? [];
      if (!versions.includes(rt.version)) versions.push(rt.version);
      groups.set(rt.group, versions);
    }
    return groups;
  }

  /** `/api` (APIVersions). */
  coreVersions(serverAddress: string): unknown {
    const versions = this.byGv.has('v1') ? ['v1'] : [];
    return {
      kind: 'APIVersions',
      versions,
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  private groupObject(name: string, versions: string[]): unknown {
    const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
    return { name, versions: vs, preferredVersion: vs[0] };
  }

  /** `/apis` (APIGroupList). */
  groupList(): unknown {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...this.groups()].map(([name, versions]) => this.groupObject(name, versions)),
    };
  }

  /** `/apis/<group>` (APIGroup), or undefined. */
  group(name: string): unknown {
    const versions = this.groups().get(name);
    if (!versions) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...(this.groupObject(name, versions) as object) };
  }

  /** `/api/v1` or `/apis/<g>/<v>` (APIResourceList), or undefined. */
  resourceList(group: string, version: string): unknown {
    const gv = group === '' ? version : `${group}/${version}`;
    const list = this.byGv.get(gv);
    if (!list) return undefined;
    const resources: unknown[] = [];
    for (const rt of list) {
      const base = { namespaced: rt.namespaced, kind: rt.kind };
      resources.push({
        name: rt.plural,
        singularName: rt.singular,
        ...base,
        verbs: this.verbs.get(rt) ?? VERBS,
        ...(rt.shortNames ? { shortNames: rt.shortNames } : {}),
        ...(rt.categories ? { categories: rt.categories } : {}),
      });
      if (rt.subresources?.status) {
        resources.push({
          name: `${rt.plural}/status`,
          singularName: '',
          ...base,
          verbs: ['get', 'patch', 'update'],
        });
      }
      if (rt.subresources?.scale) {
        resources.push({
          name: `${rt.plural}/scale`,
          singularName: '',
          namespaced: rt.namespaced,
          group: 'autoscaling',
          version: 'v1',
          kind: 'Scale',
          verbs: ['get', 'patch', 'update'],
        });
      }
      for (const sub of this.extraSubresources.get(`${gv}/${rt.plural}`) ?? []) {
        resources.push({
          name: `${rt.plural}/${sub}`,
          singularName: '',
          ...base,
          verbs: SUBRESOURCE_VERBS[`${rt.plural}/${sub}`] ?? ['get', 'create'],
          // kubectl drain evicts only when pods/eviction names its kind and group/version
          ...(SUBRESOURCE_KINDS[`${rt.plural}/${sub}`] ?? {}),
        });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
  }
}
