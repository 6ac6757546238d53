/**
 * Test support for CLI commands (not built into dist/): an in-memory API server behind the
 * `RestClient` surface the commands use, and a runner that parses argv like `runCli` and maps
 * errors to exit codes the same way (usage 2, everything else 1).
 */
import { randomUUID } from 'node:crypto';
import type { RestClient } from '../../../../machinery/client/rest-client.js';
import type { ResourceClient } from '../../../../machinery/client/kube-client.js';
import {
  AlreadyExistsError,
  ApiError,
  ConflictError,
  NotFoundError,
} from '../../../../machinery/errors/index.js';
import type { GroupVersionResource, KubeObject } from '../../../../machinery/meta.js';
import type { CliCommand, CommandContext } from '../../cli-context.js';
import { UsageError } from '../../errors/index.js';
import { parseCliArgs } from '../../run-cli.js';

/** A resource the fake serves through discovery. */
export interface FakeResource {
  gvr: GroupVersionResource;
  kind: string;
  namespaced: boolean;
}

/** One recorded write: verb, resource and `namespace/name`. */
export interface FakeAction {
  verb: 'create' | 'update' | 'updateStatus' | 'delete';
  resource: string;
  key: string;
}

/** An in-memory API server: objects by resource and `namespace/name`, with resourceVersions. */
export class FakeApi {
  readonly objects = new Map<string, KubeObject>();
  readonly actions: FakeAction[] = [];
  /** Raw GET answers by path (discovery, proxy reads); a function may throw. */
  readonly paths = new Map<string, unknown>();
  /** The URL the client reports as its server. */
  server = 'https://127.0.0.1:6443';
  private rv = 1;

  constructor(resources: FakeResource[] = []) {
    this.paths.set('/api', { versions: ['v1'] });
    const groups = new Map<string, FakeResource[]>();
    for (const r of resources) {
      const gv =
        r.gvr.group === '' ? `/api/${r.gvr.version}` : `/apis/${r.gvr.group}/${r.gvr.version}`;
      groups.set(gv, [...(groups.get(gv) ?? []), r]);
    }
    this.paths.set('/apis', {
      groups: [...new Set(resources.filter((r) => r.gvr.group !== '').map((r) => r.gvr))].map(
        (g) => ({ name: g.group, preferredVersion: { version: g.version } }),
      ),
    });
    if (!groups.has('/api/v1')) groups.set('/api/v1', []);
    for (const [path, rs] of groups) {
      this.paths.set(path, {
        resources: rs.map((r) => ({
          name: r.gvr.resource,
          kind: r.kind,
          namespaced: r.namespaced,
        })),
      });
    }
  }

  private static key(gvr: GroupVersionResource, ns: string | undefined, name: string): string {
    return `${gvr.group}/${gvr.resource}|${ns ?? ''}/${name}`;
  }

  /** Stores an object as the server would (uid, resourceVersion, creationTimestamp). */
  seed(gvr: GroupVersionResource, obj: KubeObject): KubeObject {
    const o = structuredClone(obj);
    o.metadata.uid ??= randomUUID();
    o.metadata.resourceVersion = String(this.rv++);
    o.metadata.creationTimestamp ??= '2026-01-01T00:00:00Z';
    this.objects.set(FakeApi.key(gvr, o.metadata.namespace, o.metadata.name ?? ''), o);
    return structuredClone(o);
  }

  /** The stored object, if any. */
  find(gvr: GroupVersionResource, ns: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(FakeApi.key(gvr, ns, name));
  }

  /** The `RestClient` surface commands use: resource(), request(), close(). */
  client(): RestClient {
    const api = {
      server: this.server,
      resource: (gvr: GroupVersionResource, ns?: string) => this.resource(gvr, ns),
      request: (method: string, path: string): Promise<unknown> => {
        if (method !== 'GET' || !this.paths.has(path)) {
          return Promise.reject(new NotFoundError(`the server could not find ${path}`));
        }
        const v = this.paths.get(path);
        return Promise.resolve(typeof v === 'function' ? (v as () => unknown)() : v);
      },
      close: () => undefined,
    };
    return api as unknown as RestClient;
  }

  private resource(gvr: GroupVersionResource, ns: string | undefined): ResourceClient {
    const name = (o: KubeObject): string => o.metadata.name ?? '';
    const res = `${gvr.group}/${gvr.resource}`;
    const missing = (n: string): NotFoundError =>
      new NotFoundError(`${gvr.resource}.${gvr.group} "${n}" not found`);
    const write = (verb: FakeAction['verb'], o: KubeObject): KubeObject => {
      const k = FakeApi.key(gvr, ns ?? o.metadata.namespace, name(o));
      const cur = this.objects.get(k);
      if (!cur) throw missing(name(o));
      if (o.metadata.resourceVersion !== cur.metadata.resourceVersion) {
        throw new ConflictError(`the object has been modified`);
      }
      const next = structuredClone(o);
      if (verb === 'updateStatus') next.spec = cur.spec;
      else if ('status' in cur) next.status = cur.status;
      next.metadata.resourceVersion = String(this.rv++);
      this.objects.set(k, next);
      this.actions.push({ verb, resource: res, key: `${ns ?? ''}/${name(o)}` });
      return structuredClone(next);
    };
    const rc: Partial<ResourceClient> = {
      get: (n) => {
        const o = this.objects.get(FakeApi.key(gvr, ns, n));
        return o ? Promise.resolve(structuredClone(o)) : Promise.reject(missing(n));
      },
      list: () => {
        const prefix = `${res}|${ns === undefined ? '' : `${ns}/`}`;
        const items = [...this.objects.entries()]
          .filter(([k]) => k.startsWith(prefix))
          .map(([, o]) => structuredClone(o));
        return Promise.resolve({ apiVersion: 'v1', kind: 'List', metadata: {}, items });
      },
      create: (o) => {
        const k = FakeApi.key(gvr, ns ?? o.metadata.namespace, name(o));
        if (this.objects.has(k)) {
          return Promise.reject(
            new AlreadyExistsError(`${gvr.resource} "${name(o)}" already exists`),
          );
        }
        this.actions.push({ verb: 'create', resource: res, key: `${ns ?? ''}/${name(o)}` });
        return Promise.resolve(
          this.seed(gvr, { ...o, metadata: { ...o.metadata, ...(ns ? { namespace: ns } : {}) } }),
        );
      },
      update: (o) => Promise.resolve().then(() => write('update', o)),
      updateStatus: (o) => Promise.resolve().then(() => write('updateStatus', o)),
      delete: (n) => {
        const k = FakeApi.key(gvr, ns, n);
        if (!this.objects.delete(k)) return Promise.reject(missing(n));
        this.actions.push({ verb: 'delete', resource: res, key: `${ns ?? ''}/${n}` });
        return Promise.resolve(undefined);
      },
    };
    return rc as ResourceClient;
  }
}

/** What a command run printed and returned. */
export interface FakeRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command against a fake federation, parsing argv as `runCli` does. */
export async function runFake(
  command: CliCommand,
  argv: string[],
  api: FakeApi,
  env: Record<string, string | undefined> = {},
): Promise<FakeRun> {
  let stdout = '';
  let stderr = '';
  try {
    const p = parseCliArgs([command.name, ...argv]);
    const ctx: CommandContext = {
      args: p.args,
      flags: p.flags,
      global: p.global,
      io: { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env },
      client: () => api.client(),
      namespace: p.global.namespace ?? 'default',
    };
    const code = await command.run(ctx);
    return { code, stdout, stderr };
  } catch (err) {
    stderr += `error: ${err instanceof Error ? err.message : String(err)}\n`;
    return {
      code: err instanceof UsageError ? 2 : err instanceof ApiError ? 1 : 1,
      stdout,
      stderr,
    };
  }
}
