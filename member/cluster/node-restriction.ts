/**
 * Kubernetes' Node authorizer + NodeRestriction admission, reduced to what Flotilla's kubelets
 * do. RBAC (`system:node`) lets every kubelet write every Node, Lease and Pod; these checks narrow
 * a kubelet (`system:node:<name>` in `system:nodes`) to its own Node, its own Lease in
 * `kube-node-lease` and the pods bound to it, so one compromised node cannot take over another.
 */
import type { KubeObject } from '../../machinery/meta.js';
import type {
  AuthorizationAttributes,
  AuthorizationDecision,
  Authorizer,
} from '../../machinery/auth/authorizer.js';
import type { UserInfo } from '../../machinery/auth/user-info.js';
import { ForbiddenError, NotFoundError } from '../../machinery/errors/index.js';
import type { ResourceType } from '../../machinery/resource-type.js';
import type { Pod } from '../../api/index.js';
import { NODE_USER_PREFIX, NODES_GROUP } from './member-bootstrap-policy.js';

const MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
/** Namespace of the kubelets' heartbeat Leases. */
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The node a kubelet user speaks for, or undefined for any other user. */
export function kubeletNodeName(user: Pick<UserInfo, 'name' | 'groups'>): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) {
    return undefined;
  }
  return user.name.slice(NODE_USER_PREFIX.length);
}

/** Options for {@link NodeRestriction}. */
export interface NodeRestrictionOptions {
  /** Decides everything the restriction lets through (RBAC). */
  inner: Authorizer;
  /** Reads a stored pod (throws NotFoundError when there is none). */
  getPod: (namespace: string, name: string) => Promise<KubeObject> | undefined;
}

/**
 * An authorizer in front of RBAC: a kubelet may only modify its own Node (and its status), its
 * own Lease, and pods bound to its node. Creates carry no name in the path; {@link
 * restrictKubeletCreates} checks the names in their bodies.
 */
export class NodeRestriction implements Authorizer {
  private readonly opts: NodeRestrictionOptions;

  constructor(opts: NodeRestrictionOptions) {
    this.opts = opts;
  }

  async authorize(a: AuthorizationAttributes): Promise<AuthorizationDecision> {
    const node = kubeletNodeName(a.user);
    if (node === undefined || !a.resourceRequest || !MUTATING.has(a.verb)) {
      return this.opts.inner.authorize(a);
    }
    const refusal = await this.refusal(a, node);
    if (refusal !== undefined) return { allowed: false, reason: refusal };
    return this.opts.inner.authorize(a);
  }

  private async refusal(a: AuthorizationAttributes, node: string): Promise<string | undefined> {
    if (a.apiGroup === '' && a.resource === 'nodes') {
      if (a.verb === 'create') return undefined;
      return a.name === node ? undefined : `node "${node}" can only modify its own Node`;
    }
    if (a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') {
      if (a.namespace !== NODE_LEASE_NAMESPACE || a.verb === 'create') return undefined;
      return a.name === node ? undefined : `node "${node}" can only modify its own Lease`;
    }
    if (a.apiGroup === '' && a.resource === 'pods') {
      // kubelets never create pods (no mirror pods) nor delete them in bulk
      if (a.name === '') return `node "${node}" can only modify pods bound to it`;
      const bound = await this.podNode(a.namespace, a.name);
      if (bound === undefined) return undefined; // the request itself answers 404
      return bound === node
        ? undefined
        : `node "${node}" can only modify pods bound to it (pod is on "${bound}")`;
    }
    return undefined;
  }

  /** `spec.nodeName` of a pod (`''` when unbound), undefined when there is no such pod. */
  private async podNode(namespace: string, name: string): Promise<string | undefined> {
    // fail closed: only a missing pod means "no such pod"; storage errors refuse (500)
    const pod = await this.opts.getPod(namespace, name)?.catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    return pod ? ((pod as Pod).spec.nodeName ?? '') : undefined;
  }
}

/**
 * The Node and Lease types with a create admission that holds a kubelet to its own name: the
 * authorizer cannot see the name of a create, which is only in the body.
 */
export function restrictKubeletCreates(rt: ResourceType): ResourceType {
  if (rt.group === '' && rt.plural === 'nodes') {
    return withCreateCheck(rt, (obj, node) => obj.metadata.name === node);
  }
  if (rt.group === 'coordination.k8s.io' && rt.plural === 'leases') {
    return withCreateCheck(
      rt,
      (obj, node) => obj.metadata.namespace !== NODE_LEASE_NAMESPACE || obj.metadata.name === node,
    );
  }
  return rt;
}

function withCreateCheck(
  rt: ResourceType,
  allowed: (obj: KubeObject, node: string) => boolean,
): ResourceType {
  return {
    ...rt,
    admit: (obj, ctx) => {
      rt.admit?.(obj, ctx);
      // only the user name reaches create admission; the kubelet prefix is reserved for nodes
      if (!ctx.user.startsWith(NODE_USER_PREFIX)) return;
      const node = ctx.user.slice(NODE_USER_PREFIX.length);
      if (!allowed(obj, node)) {
        throw new ForbiddenError(
          `node "${node}" is not allowed to create ${rt.plural} "${obj.metadata.name ?? ''}"`,
        );
      }
    },
  };
}
