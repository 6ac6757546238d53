import type { GroupVersionResource } from '../../machinery/meta.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { CliError } from './errors/index.js';

/** A resource found through discovery. */
export interface ResolvedResource {
  gvr: GroupVersionResource;
  kind: string;
  namespaced: boolean;
}

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  singularName?: string;
}

/**
 * Resolves `deploy`, `deployments`, `Deployment`, `clusters`… through /api and /apis discovery
 * (`/api`, `/apis`, then `/api/<v>` and `/apis/<g>/<v>` of each preferred version), once per run.
 */
export class ResourceResolver {
  private all: ResolvedResource[] | undefined;
  private aliases = new Map<string, ResolvedResource>();
  private readonly client: RestClient;

  constructor(client: RestClient) {
    this.client = client;
  }

  private async load(): Promise<void> {
    if (this.all) return;
    this.all = [];
    const gvs: { group: string; version: string }[] = [];
    const core = await this.client.request<{ versions: string[] }>('GET', '/api');
    for (const v of core.versions) gvs.push({ group: '', version: v });
    const groups = await this.client.request<{
      groups: { name: string; preferredVersion?: { version: string } }[];
    }>('GET', '/apis');
    for (const g of groups.groups) {
      if (g.preferredVersion) gvs.push({ group: g.name, version: g.preferredVersion.version });
    }
    for (const gv of gvs) {
      const path = gv.group === '' ? `/api/${gv.version}` : `/apis/${gv.group}/${gv.version}`;
      const list = await this.client.request<{ resources: ApiResource[] }>('GET', path);
      for (const r of list.resources) {
        if (r.name.includes('/')) continue;
        const res: ResolvedResource = {
          gvr: { group: gv.group, version: gv.version, resource: r.name },
          kind: r.kind,
          namespaced: r.namespaced,
        };
        this.all.push(res);
        for (const a of [
          r.name,
          r.kind.toLowerCase(),
          r.singularName ?? '',
          ...(r.shortNames ?? []),
          `${r.name}.${gv.group}`,
        ]) {
          if (a && !this.aliases.has(a)) this.aliases.set(a, res);
        }
      }
    }
  }

  /** By name/short name/kind. @throws CliError for unknown resources. */
  async resolve(name: string): Promise<ResolvedResource> {
    await this.load();
    const r = this.aliases.get(name.toLowerCase());
    if (!r) throw new CliError(`the server doesn't have a resource type "${name}"`);
    return r;
  }

  /** By apiVersion + kind (for manifests). */
  async byKind(apiVersion: string, kind: string): Promise<ResolvedResource> {
    await this.load();
    const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const r = this.all?.find((x) => x.kind === kind && x.gvr.group === g && x.gvr.version === v);
    if (!r) throw new CliError(`no matches for kind "${kind}" in version "${apiVersion}"`);
    return r;
  }
}
