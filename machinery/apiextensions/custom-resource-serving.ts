/**
 * Serving CustomResourceDefinitions, as kube-apiserver's apiextensions controllers do, inside each
 * API server: list + watch of the CRDs in the server's storage; every served version of an
 * accepted CRD is added to the server as a {@link customResourceType} (discovery, OpenAPI and the
 * generic handlers pick it up at once, no restart), its NamesAccepted and Established conditions
 * are written, and a deleted CRD first has its custom resources deleted (finalizer
 * `customresourcecleanup.apiextensions.k8s.io`) and is then no longer served. Every replica of an
 * API server runs this on the same storage: the status it writes is the same, so the writes of
 * the others are no-ops.
 */
import type { ApiServer } from '../apiserver/api-server.js';
import { MethodNotSupportedError, NotFoundError } from '../errors/index.js';
import { namedLogger } from '../log/default-logger.js';
import type { Logger } from '../controller/controller.js';
import type { Condition, KubeObject } from '../meta.js';
import type { ResourceType } from '../resource-type.js';
import { WorkQueue } from '../workqueue/index.js';
import {
  CRD_CLEANUP_FINALIZER,
  type CustomResourceDefinition,
  type CustomResourceDefinitionStatus,
} from './crd-types.js';
import { customResourceType } from './custom-resource-type.js';

/** The user the status writes and the cleanup run as. */
export const CRD_CONTROLLER_USER = 'system:apiserver';

/** Options for {@link CustomResourceServing}. */
export interface CustomResourceServingOptions {
  /** The server that serves the CRDs (its registry and storage) and gets their types. */
  server: Pick<ApiServer, 'registry' | 'discovery' | 'addResourceType' | 'removeResourceType'>;
  /** The CustomResourceDefinition kind as the server serves it (api/apiextensions-types.ts). */
  crdType: ResourceType;
  /** Delay before relisting after the watch ends or fails. @defaultValue 1000 */
  relistDelayMs?: number;
  logger?: Logger;
}

/** What is served for one CRD: its types and the spec they were built from. */
interface Served {
  signature: string;
  types: ResourceType[];
}

const isTrue = (s: CustomResourceDefinitionStatus | undefined, type: string): boolean =>
  s?.conditions?.some((c) => c.type === type && c.status === 'True') === true;

/** Serves the custom resources of the CRDs in one API server's storage. */
export class CustomResourceServing {
  private readonly opts: CustomResourceServingOptions;
  private readonly log: Logger;
  private readonly crds = new Map<string, CustomResourceDefinition>();
  private readonly served = new Map<string, Served>();
  private readonly queue = new WorkQueue();
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];

  constructor(opts: CustomResourceServingOptions) {
    this.opts = opts;
    this.log = opts.logger ?? namedLogger('apiextensions');
  }

  /**
   * Lists the CRDs and serves the established ones before resolving (so a restarted server
   * serves its custom resources from its first request), then watches for changes.
   */
  async start(): Promise<void> {
    const { registry } = this.opts.server;
    const list = await registry.list(this.opts.crdType, undefined);
    for (const o of list.items) this.crds.set(o.metadata.name ?? '', o as CustomResourceDefinition);
    for (const name of this.crds.keys()) {
      await this.reconcile(name).catch((err: unknown) => {
        this.log.warn(`crd ${name}: ${String(err)}`);
        this.queue.addRateLimited(name);
      });
    }
    this.loops.push(this.watch(list.metadata.resourceVersion ?? '0'), this.work());
  }

  /** Stops watching; the types stay served until the server closes. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.queue.shutDown();
    await Promise.allSettled(this.loops);
  }

  private async watch(fromRv: string): Promise<void> {
    const { registry } = this.opts.server;
    const signal = this.abort.signal;
    let rv: string | undefined = fromRv;
    while (!signal.aborted) {
      try {
        if (rv === undefined) {
          const list = await registry.list(this.opts.crdType, undefined);
          const names = new Set(list.items.map((o) => o.metadata.name ?? ''));
          for (const name of [...this.crds.keys(), ...names]) this.queue.add(name);
          this.crds.clear();
          for (const o of list.items) {
            this.crds.set(o.metadata.name ?? '', o as CustomResourceDefinition);
          }
          rv = list.metadata.resourceVersion ?? '0';
        }
        const w = registry.watch(this.opts.crdType, undefined, { resourceVersion: rv });
        const onAbort = (): void => {
          w.stop();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          for await (const ev of w) {
            const name = ev.object.metadata.name ?? '';
            if (ev.type === 'DELETED') this.crds.delete(name);
            else this.crds.set(name, ev.object as CustomResourceDefinition);
            rv = ev.object.metadata.resourceVersion ?? rv;
            this.queue.add(name);
          }
        } finally {
          signal.removeEventListener('abort', onAbort);
          w.stop();
        }
      } catch (err) {
        if (!signal.aborted) this.log.warn(`crd watch ended: ${String(err)}`);
      }
      // relist: a watch that ended may have missed events (410 Gone, storage restart)
      rv = undefined;
      if (!signal.aborted) {
        await new Promise((resolve) => setTimeout(resolve, this.opts.relistDelayMs ?? 1000));
      }
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      const name = await this.queue.get();
      if (name === undefined) return;
      try {
        await this.reconcile(name);
        this.queue.forget(name);
      } catch (err) {
        // storage trouble or custom resources still finalizing: try again with back-off
        this.log.warn(`crd ${name}: ${String(err)}`);
        this.queue.addRateLimited(name);
      } finally {
        this.queue.done(name);
      }
    }
  }

  /** Converges what is served for CRD `name` (and its status) with the CRD as last seen. */
  async reconcile(name: string): Promise<void> {
    const crd = this.crds.get(name);
    if (!crd) {
      this.serve(name, undefined);
      return;
    }
    if (crd.metadata.deletionTimestamp !== undefined) {
      await this.terminate(crd);
      return;
    }
    const conflict = this.namesConflict(crd);
    if (conflict === undefined) {
      const types = crd.spec.versions
        .filter((v) => v.served)
        .map((v) => customResourceType(crd, v));
      this.serve(name, { signature: JSON.stringify(crd.spec), types });
    } else {
      this.serve(name, undefined);
    }
    await this.writeStatus(crd, (s) => this.acceptedStatus(crd, s, conflict));
  }

  /** Replaces what is served for `name` (nothing when `next` is undefined). */
  private serve(name: string, next: Served | undefined): void {
    const cur = this.served.get(name);
    if (cur?.signature === next?.signature) return;
    for (const rt of cur?.types ?? []) this.opts.server.removeResourceType(rt);
    for (const rt of next?.types ?? []) this.opts.server.addResourceType(rt);
    if (next) this.served.set(name, next);
    else this.served.delete(name);
  }

  /** Why `crd`'s names cannot be served (already taken), or undefined. */
  private namesConflict(crd: CustomResourceDefinition): string | undefined {
    const { group, names, versions } = crd.spec;
    const own = (rt: ResourceType | undefined): boolean =>
      rt?.customResource?.crdName === crd.metadata.name;
    for (const v of versions.filter((x) => x.served)) {
      const existing = this.opts.server.discovery.find(group, v.name, names.plural);
      if (existing && !own(existing)) return `"${names.plural}" is already in use`;
    }
    for (const [other, served] of this.served) {
      if (other === crd.metadata.name) continue;
      const rt = served.types[0];
      if (rt?.group !== group) continue;
      if (rt.kind === names.kind) return `"${names.kind}" is already in use`;
      const taken = (names.shortNames ?? []).filter((s) => (rt.shortNames ?? []).includes(s));
      if (taken.length > 0) return `"${taken.join(', ')}" is already in use`;
    }
    return undefined;
  }

  private acceptedStatus(
    crd: CustomResourceDefinition,
    s: CustomResourceDefinitionStatus,
    conflict: string | undefined,
  ): CustomResourceDefinitionStatus {
    const { names, versions } = crd.spec;
    const storage = versions.find((v) => v.storage)?.name;
    const stored = new Set(s.storedVersions ?? []);
    if (storage !== undefined) stored.add(storage);
    let conditions = setCondition(s.conditions, {
      type: 'NamesAccepted',
      status: conflict === undefined ? 'True' : 'False',
      reason: conflict === undefined ? 'NoConflicts' : 'NameConflict',
      message: conflict ?? 'no conflicts found',
    });
    // once established a CRD stays so (its names were served), as in Kubernetes
    if (conflict === undefined || !isTrue(s, 'Established')) {
      conditions = setCondition(conditions, {
        type: 'Established',
        status: conflict === undefined ? 'True' : 'False',
        reason: conflict === undefined ? 'InitialNamesAccepted' : 'NotAccepted',
        message:
          conflict === undefined
            ? 'the initial names have been accepted'
            : 'not all names are accepted',
      });
    }
    return {
      ...s,
      conditions,
      acceptedNames:
        conflict === undefined
          ? {
              ...names,
              singular: names.singular ?? names.kind.toLowerCase(),
              listKind: names.listKind ?? `${names.kind}List`,
            }
          : (s.acceptedNames ?? { plural: '', kind: '' }),
      storedVersions: [...stored],
    };
  }

  /**
   * A deleted CRD: its types stay served for reads and deletes (creates are refused), every
   * custom resource is deleted, then the cleanup finalizer is removed (and the CRD goes).
   * @throws while custom resources remain (finalizers of their own): retried with back-off
   */
  private async terminate(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata.name ?? '';
    const storageVersion = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
    if (!storageVersion) return;
    const refuseCreate = (rt: ResourceType): ResourceType => ({
      ...rt,
      admit: () => {
        throw new MethodNotSupportedError(
          `create not allowed while custom resource definition is terminating`,
        );
      },
    });
    const served = crd.spec.versions.filter((v) => v.served).map((v) => customResourceType(crd, v));
    this.serve(name, {
      signature: `terminating ${JSON.stringify(crd.spec)}`,
      types: served.map(refuseCreate),
    });
    await this.writeStatus(crd, (s) => ({
      ...s,
      conditions: setCondition(s.conditions, {
        type: 'Terminating',
        status: 'True',
        reason: 'InstanceDeletionInProgress',
        message: 'CustomResource deletion is in progress',
      }),
    }));
    if (!(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
    const rt = customResourceType(crd, storageVersion);
    const { registry } = this.opts.server;
    let pending = 0;
    for (const item of (await registry.list(rt, undefined)).items) {
      try {
        const res = await registry.delete(rt, item.metadata.namespace, item.metadata.name ?? '');
        if (res.pending) pending++;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    if (pending > 0) {
      throw new Error(`${String(pending)} custom resources of ${name} are still finalizing`);
    }
    await registry
      .guaranteedUpdate(
        this.opts.crdType,
        undefined,
        name,
        undefined,
        (cur) => ({
          ...cur,
          metadata: {
            ...cur.metadata,
            finalizers: (cur.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER),
          },
        }),
        { user: CRD_CONTROLLER_USER },
      )
      .catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
  }

  /** Writes the CRD's status through its status subresource (a no-op when unchanged). */
  private async writeStatus(
    crd: CustomResourceDefinition,
    next: (s: CustomResourceDefinitionStatus) => CustomResourceDefinitionStatus,
  ): Promise<void> {
    await this.opts.server.registry
      .guaranteedUpdate(
        this.opts.crdType,
        undefined,
        crd.metadata.name ?? '',
        undefined,
        (cur: KubeObject) => {
          const c = cur as CustomResourceDefinition;
          return { ...c, status: next(c.status ?? {}) };
        },
        { user: CRD_CONTROLLER_USER, subresource: 'status' },
      )
      .catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
  }
}

/** `conditions` with `c` set; the transition time changes only when the status does. */
export function setCondition(conditions: Condition[] | undefined, c: Condition): Condition[] {
  const list = conditions ?? [];
  const old = list.find((x) => x.type === c.type);
  const time =
    old?.status === c.status && old.lastTransitionTime !== undefined
      ? old.lastTransitionTime
      : new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const next = { ...c, lastTransitionTime: time };
  if (old && JSON.stringify({ ...old, lastTransitionTime: time }) === JSON.stringify(next)) {
    return list;
  }
  return [...list.filter((x) => x.type !== c.type), next];
}
