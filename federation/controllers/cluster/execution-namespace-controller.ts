import { LEASES, NAMESPACES } from '../../../api/index.js';
import {
  agentUserName,
  CLUSTERS,
  executionNamespace,
  FINALIZER_WORK_MEMBER_CLEANUP,
  isPullCluster,
  LABEL_WORK_CLUSTER,
  WORKS,
  type Cluster,
  type Work,
} from '../../apis/index.js';
import type { KubeObject } from '../../../machinery/meta.js';
import type { KubeClient } from '../../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../../machinery/controller/index.js';
import { AlreadyExistsError, NotFoundError } from '../../../machinery/errors/index.js';
import type { InformerFactory } from '../../../machinery/informer/index.js';
import { ROLE_BINDINGS, roleBinding, userSubject } from '../../../machinery/rbac/index.js';
import { AGENT_ROLE } from '../agentcsr/pull-mode-policy.js';
import { removeFinalizers } from '../finalizers.js';

export const ControllerName = 'execution-namespace-controller';
/** The finalizer every namespace gets on create (released once its content is gone). */
const NAMESPACE_FINALIZER = 'kubernetes';
/** Name of the RoleBinding giving a cluster's agent {@link AGENT_ROLE} in its namespace. */
export const AGENT_ROLE_BINDING = 'flotilla-agent';

/** Options for {@link ExecutionNamespaceController}. */
export interface ExecutionNamespaceOptions {
  client: KubeClient;
  informers: InformerFactory;
  logger: Logger;
  /** Drift repair of a Pull cluster's namespace and binding. @defaultValue 60000 */
  resyncMs?: number;
}

const ignoreNotFound = (err: unknown): undefined => {
  if (err instanceof NotFoundError) return undefined;
  throw err;
};
const ignoreExists = (err: unknown): undefined => {
  if (err instanceof AlreadyExistsError) return undefined;
  throw err;
};

/**
 * Owns the execution namespace `fed-es-<cluster>` of every Pull cluster: creates it with a
 * RoleBinding of {@link AGENT_ROLE} to `system:flotilla:agent:<cluster>` (so the agent reaches
 * only its own Works and Lease), and once the Cluster is gone (unjoin finished, or forced) removes
 * what is left there: Works lose the agent's finalizer (no agent will release them any more), then
 * the Works, the heartbeat Lease, the binding and the namespace are deleted.
 */
export class ExecutionNamespaceController {
  readonly controller: Controller;
  private readonly opts: ExecutionNamespaceOptions;

  constructor(opts: ExecutionNamespaceOptions) {
    this.opts = opts;
    const clusters = opts.informers.for<Cluster>(CLUSTERS);
    const namespaces = opts.informers.for(NAMESPACES, { labelSelector: LABEL_WORK_CLUSTER });
    this.controller = new Controller({
      name: ControllerName,
      informers: [clusters, namespaces],
      reconcile: (k) => this.reconcile(k),
      logger: opts.logger,
    });
    clusters.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (o, n) => {
        if (o.spec.syncMode !== n.spec.syncMode) this.controller.enqueueObject(n);
      },
      onDelete: this.controller.enqueueObject,
    });
    // at start (and whenever one appears) each execution namespace is checked for its Cluster
    const fromNamespace = (ns: KubeObject): void => {
      const c = ns.metadata.labels?.[LABEL_WORK_CLUSTER];
      if (c !== undefined) this.controller.enqueue(c);
    };
    namespaces.addEventHandler({ onAdd: fromNamespace, onDelete: fromNamespace });
  }

  async reconcile(name: string): Promise<{ requeueAfterMs: number } | undefined> {
    const cluster = this.opts.informers.for<Cluster>(CLUSTERS).get(name);
    if (!cluster) {
      await this.teardown(name);
      return undefined;
    }
    if (!isPullCluster(cluster)) return undefined;
    await this.ensure(name);
    return { requeueAfterMs: this.opts.resyncMs ?? 60_000 };
  }

  private async ensure(cluster: string): Promise<void> {
    const ns = executionNamespace(cluster);
    const nsClient = this.opts.client.resource(NAMESPACES);
    const current = await nsClient.get(ns).catch(ignoreNotFound);
    if (!current) {
      await nsClient
        .create({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns, labels: { [LABEL_WORK_CLUSTER]: cluster } },
        })
        .catch(ignoreExists);
      this.opts.logger.info(`cluster ${cluster}: execution namespace ${ns} created`);
    }
    const want = roleBinding(ns, AGENT_ROLE_BINDING, { kind: 'ClusterRole', name: AGENT_ROLE }, [
      userSubject(agentUserName(cluster)),
    ]);
    want.metadata.labels = { [LABEL_WORK_CLUSTER]: cluster };
    const rbs = this.opts.client.resource(ROLE_BINDINGS, ns);
    const rb = await rbs.get(AGENT_ROLE_BINDING).catch(ignoreNotFound);
    if (!rb) {
      await rbs.create(want).catch(ignoreExists);
    } else if (
      JSON.stringify({ r: rb.roleRef, s: rb.subjects }) !==
      JSON.stringify({ r: want.roleRef, s: want.subjects })
    ) {
      await rbs.update({ ...rb, roleRef: want.roleRef, subjects: want.subjects });
    }
  }

  /** Removes an execution namespace whose Cluster is gone (only one this controller labelled). */
  private async teardown(cluster: string): Promise<void> {
    const ns = executionNamespace(cluster);
    const current = await this.opts.client.resource(NAMESPACES).get(ns).catch(ignoreNotFound);
    if (current?.metadata.labels?.[LABEL_WORK_CLUSTER] !== cluster) return;
    const works = this.opts.client.resource<Work>(WORKS, ns);
    for (const w of (await works.list()).items) {
      await removeFinalizers(this.opts.client, WORKS, w, [FINALIZER_WORK_MEMBER_CLEANUP]);
      await works.delete(w.metadata.name ?? '').catch(ignoreNotFound);
    }
    await this.opts.client.resource(LEASES, ns).delete(cluster).catch(ignoreNotFound);
    await this.opts.client
      .resource(ROLE_BINDINGS, ns)
      .delete(AGENT_ROLE_BINDING)
      .catch(ignoreNotFound);
    const pending = await this.opts.client.resource(NAMESPACES).delete(ns).catch(ignoreNotFound);
    // the federation runs no namespace controller: what was in the namespace is gone (above), so
    // the `kubernetes` finalizer that API servers put on every namespace is released here
    if (pending) {
      await removeFinalizers(this.opts.client, NAMESPACES, pending, [NAMESPACE_FINALIZER]);
    }
    this.opts.logger.info(`cluster ${cluster} is gone: execution namespace ${ns} removed`);
  }
}
