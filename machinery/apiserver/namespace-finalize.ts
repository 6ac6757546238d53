import type { KubeObject } from '../meta.js';
import { BadRequestError, MethodNotSupportedError } from '../errors/index.js';
import type { SubresourceHandler } from './subresource-handler.js';

/** The finalizer of the namespace controllers (kept in `spec.finalizers` and `metadata.finalizers`). */
export const NAMESPACE_FINALIZER_KUBERNETES = 'kubernetes';

/**
 * `PUT namespaces/<name>/finalize`, as kube-apiserver: replaces `spec.finalizers` with the body's.
 * A finalizer the body drops is also dropped from `metadata.finalizers` (where this registry
 * holds the deletion back), so removing `kubernetes` lets a terminating namespace go.
 * @throws BadRequestError for a body that is not a Namespace with a matching name.
 */
export const finalizeNamespace: SubresourceHandler = async (req) => {
  if (req.method !== 'PUT') {
    throw new MethodNotSupportedError(`${req.method} is not supported on namespaces/finalize`);
  }
  const body = req.body as Partial<KubeObject> | null | undefined;
  if (!body || typeof body !== 'object' || (body.metadata?.name ?? req.name) !== req.name) {
    throw new BadRequestError('the body of namespaces/finalize must be the Namespace');
  }
  const wanted = (body.spec as { finalizers?: unknown } | undefined)?.finalizers;
  const finalizers = Array.isArray(wanted) ? wanted.filter((f) => typeof f === 'string') : [];
  const expectedRv = body.metadata?.resourceVersion;
  return req.registry.guaranteedUpdate(
    req.rt,
    undefined,
    req.name,
    expectedRv,
    (cur) => {
      const next = structuredClone(cur);
      const before = (cur.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [
        NAMESPACE_FINALIZER_KUBERNETES,
      ];
      const dropped = before.filter((f) => !finalizers.includes(f));
      next.spec = { ...(cur.spec ?? {}), finalizers };
      next.metadata.finalizers = (cur.metadata.finalizers ?? []).filter(
        (f) => !dropped.includes(f),
      );
      return next;
    },
    { user: req.user, subresource: 'finalize' },
  );
};
