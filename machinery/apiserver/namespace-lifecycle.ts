/**
 * The NamespaceLifecycle admission of kube-apiserver: no new content in a namespace that does not
 * exist or is being terminated, and the immortal namespaces are never deleted. Both the federation
 * and the members' API servers run it on every create (dry-run included).
 */
import type { KubeObject } from '../meta.js';
import type { ApiError } from '../errors/index.js';
import { AlreadyExistsError, ForbiddenError, NotFoundError } from '../errors/index.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceType } from '../resource-type.js';

/** Namespaces that always exist and may not be deleted (kube-apiserver's immortal namespaces). */
export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];

/** Status cause type of a create refused in a terminating namespace (core/v1 NamespaceTerminatingCause). */
export const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';

/**
 * Resources whose create writes nothing into the namespace (reviews): allowed even where the
 * namespace is missing or terminating, as kube-apiserver exempts access reviews.
 */
const EXEMPT_GROUPS = new Set(['authorization.k8s.io', 'authentication.k8s.io']);

/** True when the namespace is being deleted (deletionTimestamp set or phase Terminating). */
export function isNamespaceTerminating(ns: KubeObject): boolean {
  const phase = (ns.status as { phase?: string } | undefined)?.phase;
  return ns.metadata.deletionTimestamp !== undefined || phase === 'Terminating';
}

/**
 * The admission decision for creating an object of `rt` in `namespace`, given the namespace as
 * stored (`undefined` when it does not exist).
 * @returns the error to answer with (404 NotFound, 403 Forbidden with a NamespaceTerminating
 *   cause), or undefined to admit.
 */
export function namespaceCreateDecision(
  rt: ResourceType,
  namespace: string | undefined,
  ns: KubeObject | undefined,
  objectName?: string,
): ApiError | undefined {
  if (!rt.namespaced || namespace === undefined || EXEMPT_GROUPS.has(rt.group)) return undefined;
  if (!ns) {
    return new NotFoundError(`namespaces "${namespace}" not found`, {
      kind: 'namespaces',
      group: '',
      name: namespace,
    });
  }
  if (!isNamespaceTerminating(ns)) return undefined;
  const message = `unable to create new content in namespace ${namespace} because it is being terminated`;
  const what = rt.group === '' ? rt.plural : `${rt.plural}.${rt.group}`;
  return new ForbiddenError(
    objectName
      ? `${what} "${objectName}" is forbidden: ${message}`
      : `${what} is forbidden: ${message}`,
    {
      kind: rt.plural,
      group: rt.group,
      ...(objectName ? { name: objectName } : {}),
      causes: [{ reason: NAMESPACE_TERMINATING_CAUSE, field: 'metadata.namespace', message }],
    },
  );
}

/** The decision for deleting namespace `name`: immortal namespaces are refused with 403. */
export function namespaceDeleteDecision(name: string): ApiError | undefined {
  if (!IMMORTAL_NAMESPACES.includes(name)) return undefined;
  return new ForbiddenError(
    `namespaces "${name}" is forbidden: this namespace may not be deleted`,
    {
      kind: 'namespaces',
      group: '',
      name,
    },
  );
}

/** Options for {@link NamespaceLifecycle}. */
export interface NamespaceLifecycleOptions {
  /** The registry the namespaces are read from (the real one, also for dry-run requests). */
  registry: GenericRegistry;
  /** The served Namespace type. */
  namespaceType: ResourceType;
}

/** Runs {@link namespaceCreateDecision} against the stored namespace. */
export class NamespaceLifecycle {
  private readonly opts: NamespaceLifecycleOptions;

  constructor(opts: NamespaceLifecycleOptions) {
    this.opts = opts;
  }

  /**
   * Admits a create of `rt` in `namespace`.
   * @throws NotFoundError when the namespace does not exist, ForbiddenError when it is terminating.
   */
  async admitCreate(rt: ResourceType, namespace: string | undefined, body: unknown): Promise<void> {
    if (!rt.namespaced || namespace === undefined || rt === this.opts.namespaceType) return;
    if (EXEMPT_GROUPS.has(rt.group)) return;
    // an active namespace in the watch cache admits at once (kube-apiserver reads its namespace
    // informer); anything else is looked up in storage, which a namespace just made may be only in
    const cached = this.opts.registry.cached(this.opts.namespaceType, undefined, namespace);
    if (cached && !isNamespaceTerminating(cached)) return;
    const ns = await this.opts.registry
      .get(this.opts.namespaceType, undefined, namespace)
      .catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
    const name = (body as Partial<KubeObject> | null)?.metadata?.name;
    const err = namespaceCreateDecision(
      rt,
      namespace,
      ns,
      typeof name === 'string' ? name : undefined,
    );
    if (err) throw err;
  }

  /**
   * Creates the {@link IMMORTAL_NAMESPACES} that do not exist yet (kube-apiserver's system
   * namespaces controller), so that content can be created there from the first request on.
   */
  async ensureImmortalNamespaces(): Promise<void> {
    for (const name of IMMORTAL_NAMESPACES) {
      await this.opts.registry
        .create(this.opts.namespaceType, undefined, {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name },
        })
        .catch((err: unknown) => {
          if (!(err instanceof AlreadyExistsError)) throw err;
        });
    }
  }

  /**
   * Admits a delete of `rt` object `name`.
   * @throws ForbiddenError when it is an immortal namespace.
   */
  admitDelete(rt: ResourceType, name: string): void {
    if (rt !== this.opts.namespaceType) return;
    const err = namespaceDeleteDecision(name);
    if (err) throw err;
  }
}
