import { splitKey } from '../../../machinery/meta.js';
import { Controller, type RequeueAfter } from '../../../machinery/controller/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import {
  ENDPOINTSLICES,
  LABEL_ENDPOINTSLICE_MANAGED_BY,
  LABEL_SERVICE_NAME,
  NODES,
  PODS,
  SERVICES,
  type EndpointSlice,
  type Node,
  type Pod,
  type Service,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import { controllerRef } from '../pod-template.js';
import {
  LABEL_TOPOLOGY_ZONE,
  endpointPorts,
  podEndpoint,
  podHasEndpoint,
  selectsPod,
} from './pod-endpoints.js';
import { planSlices, portMappingKey, type EndpointGroup, type SlicePlan } from './slice-planner.js';
import { SliceTracker } from './slice-tracker.js';

export const ControllerName = 'endpointslice-controller';
/** `endpointslice.kubernetes.io/managed-by` of the slices this controller writes. */
export const ENDPOINTSLICE_CONTROLLER_MANAGER = 'endpointslice-controller.k8s.io';
/** Label Kubernetes puts on the slices of a headless Service (clusterIP None). */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';
/** Kubernetes' default `--max-endpoints-per-slice`. */
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

/** Delay before a reconcile that found its own writes missing from the cache runs again. */
const STALE_CACHE_RETRY_MS = 100;

/** Options of {@link EndpointSliceController}. */
export interface EndpointSliceControllerOptions {
  /** `--max-endpoints-per-slice` (1..1000). @defaultValue 100 */
  maxEndpointsPerSlice?: number;
}

/**
 * Kubernetes' EndpointSlice controller: for every Service with a selector, slices
 * `<service>-<suffix>` labelled `kubernetes.io/service-name` and managed-by
 * `endpointslice-controller.k8s.io`, owned by the Service (the garbage collector removes them
 * with it), holding one IPv4 endpoint per selected pod with an address. Pods whose named
 * targetPorts resolve differently land in different slices (one port mapping per slice), at most
 * `maxEndpointsPerSlice` each. Writes only what differs; waits for its own writes to reach the
 * cache before planning again, so it never creates a slice twice.
 */
export class EndpointSliceController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly max: number;
  private readonly tracker: SliceTracker;

  constructor(ctx: ControllerContext, opts: EndpointSliceControllerOptions = {}) {
    this.ctx = ctx;
    this.max = opts.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
    this.tracker = new SliceTracker(() => ctx.now().getTime());
    const svcInf = ctx.informers.for<Service>(SERVICES);
    const podInf = ctx.informers.for<Pod>(PODS);
    const nodeInf = ctx.informers.for<Node>(NODES);
    const sliceInf = this.slices();
    this.controller = new Controller({
      name: ControllerName,
      informers: [svcInf, podInf, nodeInf, sliceInf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    const c = this.controller;
    svcInf.addEventHandler({
      onAdd: c.enqueueObject,
      onUpdate: (_o, n) => c.enqueueObject(n),
      onDelete: c.enqueueObject,
    });
    const byPod = (p: Pod): void => {
      for (const s of svcInf.list(p.metadata.namespace)) if (selectsPod(s, p)) c.enqueueObject(s);
    };
    podInf.addEventHandler({
      onAdd: byPod,
      onUpdate: (o, n) => {
        byPod(o);
        byPod(n);
      },
      onDelete: byPod,
    });
    // a node's zone is copied into its pods' endpoints
    nodeInf.addEventHandler({
      onUpdate: (o, n) => {
        if (o.metadata.labels?.[LABEL_TOPOLOGY_ZONE] === n.metadata.labels?.[LABEL_TOPOLOGY_ZONE]) {
          return;
        }
        for (const p of podInf.list()) if (p.spec.nodeName === n.metadata.name) byPod(p);
      },
    });
    const bySlice = (s: EndpointSlice): void => {
      const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
      if (svc) c.enqueue(`${s.metadata.namespace ?? ''}/${svc}`);
    };
    sliceInf.addEventHandler({
      onAdd: bySlice,
      onUpdate: (_o, n) => bySlice(n),
      onDelete: bySlice,
    });
  }

  /** Converges the slices of Service `key`. */
  async reconcile(key: string): Promise<RequeueAfter | undefined> {
    const { namespace = '', name } = splitKey(key);
    const svc = this.ctx.informers.for<Service>(SERVICES).get(key);
    if (!svc) {
      // its slices are owned by it: the garbage collector deletes them
      this.tracker.forget(key);
      return undefined;
    }
    const sliceInf = this.slices();
    if (this.tracker.stale(key, (n) => sliceInf.get(`${namespace}/${n}`))) {
      return { requeueAfterMs: STALE_CACHE_RETRY_MS };
    }
    const existing = sliceInf
      .list(namespace)
      .filter(
        (s) =>
          s.metadata.labels?.[LABEL_SERVICE_NAME] === name &&
          s.metadata.labels[LABEL_ENDPOINTSLICE_MANAGED_BY] === ENDPOINTSLICE_CONTROLLER_MANAGER,
      );
    const selects = svc.spec.selector !== undefined && svc.spec.type !== 'ExternalName';
    const plan = selects
      ? planSlices({
          existing: existing.filter((s) => ownedBy(s, svc)),
          desired: this.desired(svc),
          meta: {
            namespace,
            generateName: `${name}-`,
            labels: sliceLabels(svc),
            ownerReferences: [controllerRef({ ...svc, apiVersion: 'v1', kind: 'Service' })],
          },
          maxEndpointsPerSlice: this.max,
          placeholder: true,
        })
      : { create: [], update: [], delete: [] };
    // slices of an earlier Service of the same name, or of one that stopped selecting
    plan.delete.push(...existing.filter((s) => !selects || !ownedBy(s, svc)));
    await this.apply(key, namespace, plan);
    return undefined;
  }

  /** The endpoints of the selected pods, grouped by their resolved ports. */
  private desired(svc: Service): EndpointGroup[] {
    const nodes = this.ctx.informers.for<Node>(NODES);
    const pods = this.ctx.informers
      .for<Pod>(PODS)
      .list(svc.metadata.namespace)
      .filter((p) => selectsPod(svc, p) && podHasEndpoint(p))
      .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    const groups = new Map<string, EndpointGroup>();
    for (const pod of pods) {
      const ports = endpointPorts(pod, svc);
      // a Service with ports whose targets this pod lacks entirely: no endpoint (as Kubernetes)
      if (ports.length === 0 && (svc.spec.ports ?? []).length > 0) continue;
      const k = portMappingKey('IPv4', ports);
      const g = groups.get(k) ?? { addressType: 'IPv4', ports, endpoints: [] };
      const node = pod.spec.nodeName ? nodes.get(pod.spec.nodeName) : undefined;
      g.endpoints.push(podEndpoint(pod, svc, node));
      groups.set(k, g);
    }
    return [...groups.values()];
  }

  private async apply(key: string, namespace: string, plan: SlicePlan): Promise<void> {
    const rc = this.ctx.client.resource<EndpointSlice>(ENDPOINTSLICES, namespace);
    for (const s of plan.delete) {
      const n = s.metadata.name ?? '';
      await rc.delete(n).catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
      this.tracker.deleted(key, n);
    }
    // updates carry the cached resourceVersion: a conflict means a stale cache, retried
    for (const s of plan.update) this.tracker.wrote(key, await rc.update(s));
    for (const s of plan.create) this.tracker.wrote(key, await rc.create(s));
  }

  private slices() {
    return this.ctx.informers.for<EndpointSlice>(ENDPOINTSLICES, {
      labelSelector: `${LABEL_ENDPOINTSLICE_MANAGED_BY}=${ENDPOINTSLICE_CONTROLLER_MANAGER}`,
    });
  }
}

/** The Service's labels plus the service-name, managed-by and (headless) labels. */
function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {
    ...(svc.metadata.labels ?? {}),
    [LABEL_SERVICE_NAME]: svc.metadata.name ?? '',
    [LABEL_ENDPOINTSLICE_MANAGED_BY]: ENDPOINTSLICE_CONTROLLER_MANAGER,
  };
  if (svc.spec.clusterIP === 'None') labels[LABEL_HEADLESS] = '';
  else delete labels[LABEL_HEADLESS];
  return labels;
}

function ownedBy(s: EndpointSlice, svc: Service): boolean {
  return (s.metadata.ownerReferences ?? []).some(
    (r) => r.controller === true && r.kind === 'Service' && r.uid === svc.metadata.uid,
  );
}
