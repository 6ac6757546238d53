import { isDeepStrictEqual } from 'node:util';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { AlreadyExistsError, ConflictError, NotFoundError } from '../../machinery/errors/index.js';
import { LEASES, NODES, type Lease, type Node } from '../../api/index.js';

/** Options for {@link NodeRegistration}. */
export interface NodeRegistrationOptions {
  client: KubeClient;
  nodeName: string;
  /** The node's loopback address (InternalIP). */
  nodeAddress: string;
  /** Reported as `nodeInfo.containerRuntimeVersion`. */
  runtimeName: string;
  capacity?: { cpu?: string; memory?: string; pods?: string };
  labels?: Record<string, string>;
  /** Port of the kubelet's HTTPS API, reported as `status.daemonEndpoints.kubeletEndpoint.Port`. */
  kubeletPort?: number;
  /**
   * Longest time between two node status posts when nothing changed (Kubernetes'
   * nodeStatusReportFrequency); the Lease is renewed on every heartbeat regardless.
   * @defaultValue 300000 (5 min)
   */
  statusReportMs?: number;
  /**
   * The Node as the kubelet's own watch last saw it, read by the heartbeat instead of a GET (the
   * kubelet's first status try reads the API server's cache, resourceVersion 0, for the same
   * reason: ten nodes would otherwise cost a request a second). A stale copy costs a conflict
   * and one GET. @defaultValue none: a GET on every heartbeat
   */
  cached?: () => Node | undefined;
}

/**
 * The kubelet's node half: registers the Node object and, on every heartbeat, renews the node's
 * Lease in `kube-node-lease` (the node lifecycle controller's liveness signal) and posts the node
 * status when it differs from the stored one (a controller set Ready=Unknown, say) or the last
 * post is older than `statusReportMs`, as the kubelet does since node leases: an unchanged status
 * is not rewritten every 10 s, which would be a Node write and a watch event per node to every
 * node watcher.
 */
export class NodeRegistration {
  private readonly opts: NodeRegistrationOptions;
  private readonly nodeName: string;
  /** When (monotonic ms) the status was last posted; the first heartbeat always posts. */
  private lastStatusPost = -Infinity;

  constructor(opts: NodeRegistrationOptions) {
    this.opts = opts;
    this.nodeName = opts.nodeName;
  }

  private nodeObject(existing?: Node): Node {
    const cap = {
      cpu: this.opts.capacity?.cpu ?? '4',
      memory: this.opts.capacity?.memory ?? '8Gi',
      pods: this.opts.capacity?.pods ?? '110',
    };
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const prevReady = existing?.status?.conditions?.find((c) => c.type === 'Ready');
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: this.nodeName,
        labels: {
          ...(existing?.metadata.labels ?? {}),
          'kubernetes.io/hostname': this.nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          ...(this.opts.labels ?? {}),
        },
      },
      spec: existing?.spec ?? {},
      status: {
        capacity: cap,
        allocatable: cap,
        addresses: [
          { type: 'InternalIP', address: this.opts.nodeAddress },
          { type: 'Hostname', address: this.nodeName },
        ],
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'kubelet is posting ready status',
            lastHeartbeatTime: now,
            lastTransitionTime:
              prevReady?.status === 'True' && prevReady.lastTransitionTime
                ? prevReady.lastTransitionTime
                : now,
          },
        ],
        ...(this.opts.kubeletPort !== undefined
          ? { daemonEndpoints: { kubeletEndpoint: { Port: this.opts.kubeletPort } } }
          : {}),
        nodeInfo: {
          kubeletVersion: 'v1.32.0-flotilla',
          containerRuntimeVersion: this.opts.runtimeName,
          operatingSystem: 'linux',
          architecture: 'amd64',
        },
      },
    };
  }

  /** Creates the Node, or updates labels and addresses of an existing one. */
  async register(): Promise<void> {
    const nodes = this.opts.client.resource<Node>(NODES);
    try {
      let cur = await nodes.create(this.nodeObject());
      // the node IPAM controller may set spec.podCIDR between the create and the status write:
      // a conflict re-reads the Node and writes the status again
      for (let attempt = 0; ; attempt++) {
        try {
          await nodes.updateStatus({ ...cur, status: this.nodeObject().status ?? {} });
          break;
        } catch (err) {
          if (!(err instanceof ConflictError) || attempt >= 5) throw err;
          cur = await nodes.get(this.nodeName);
        }
      }
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      for (let attempt = 0; ; attempt++) {
        const cur = await nodes.get(this.nodeName);
        const next = this.nodeObject(cur);
        try {
          await nodes.update({
            ...next,
            metadata: {
              ...next.metadata,
              ...(cur.metadata.resourceVersion
                ? { resourceVersion: cur.metadata.resourceVersion }
                : {}),
            },
          });
          break;
        } catch (e) {
          if (!(e instanceof ConflictError) || attempt >= 5) throw e;
        }
      }
    }
  }

  /** Renews the Lease and posts Ready node status. */
  async heartbeat(): Promise<void> {
    const leases = this.opts.client.resource<Lease>(LEASES, 'kube-node-lease');
    const renewTime = new Date().toISOString().replace('Z', '000Z');
    try {
      await leases.patch(
        this.nodeName,
        { spec: { renewTime, holderIdentity: this.nodeName } },
        'merge',
      );
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.nodeName, namespace: 'kube-node-lease' },
        spec: { holderIdentity: this.nodeName, leaseDurationSeconds: 40, renewTime },
      });
    }
    const nodes = this.opts.client.resource<Node>(NODES);
    let cur = this.opts.cached?.() ?? (await nodes.get(this.nodeName));
    for (let attempt = 0; ; attempt++) {
      const next = this.nodeObject(cur);
      const due = performance.now() - this.lastStatusPost >= (this.opts.statusReportMs ?? 300_000);
      if (!due && sameStatus(cur.status, next.status)) return;
      try {
        await nodes.updateStatus({ ...cur, status: next.status ?? {} });
        break;
      } catch (err) {
        // the cached copy was behind the stored one: read it and try once more
        if (!(err instanceof ConflictError) || attempt >= 1) throw err;
        cur = await nodes.get(this.nodeName);
      }
    }
    this.lastStatusPost = performance.now();
  }
}

/** Whether two node statuses are equal but for the conditions' heartbeat times. */
function sameStatus(a: Node['status'], b: Node['status']): boolean {
  const strip = (s: Node['status']): unknown => ({
    ...(s ?? {}),
    conditions: (s?.conditions ?? []).map((c) => ({ ...c, lastHeartbeatTime: undefined })),
  });
  return isDeepStrictEqual(strip(a), strip(b));
}
