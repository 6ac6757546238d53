import { splitKey } from '../../../machinery/meta.js';
import { Controller, type RequeueAfter } from '../../../machinery/controller/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import {
  ENDPOINTS,
  ENDPOINTSLICES,
  LABEL_ENDPOINTSLICE_MANAGED_BY,
  LABEL_SERVICE_NAME,
  SERVICES,
  type EndpointAddress,
  type EndpointSlice,
  type EndpointSlicePort,
  type Endpoints,
  type Service,
  type SliceEndpoint,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import { controllerRef } from '../pod-template.js';
import { planSlices, portMappingKey, type EndpointGroup } from '../endpointslice/slice-planner.js';
import { SliceTracker } from '../endpointslice/slice-tracker.js';

export const ControllerName = 'endpointslicemirroring-controller';
/** `endpointslice.kubernetes.io/managed-by` of the slices this controller writes. */
export const MIRRORING_CONTROLLER_MANAGER = 'endpointslicemirroring-controller.k8s.io';
/** Endpoints labelled `true` with it are not mirrored (their writer keeps its own slices). */
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
/** Kubernetes' default `--mirroring-max-endpoints-per-subset`: addresses beyond it are dropped. */
export const MAX_ENDPOINTS_PER_SUBSET = 1000;

/** Endpoints annotations that are not copied to the slices (Kubernetes' list). */
const SKIPPED_ANNOTATIONS = [
  'endpoints.kubernetes.io/last-change-trigger-time',
  'kubectl.kubernetes.io/last-applied-configuration',
];

/**
 * Kubernetes' EndpointSliceMirroring controller: the Endpoints of a Service without a selector
 * (written by hand or by another controller) mirrored into EndpointSlices labelled
 * `kubernetes.io/service-name` and managed-by `endpointslicemirroring-controller.k8s.io`, owned
 * by the Endpoints. Services with a selector are the EndpointSlice controller's: their mirrored
 * slices (and those of deleted Endpoints or Services) are deleted.
 */
export class EndpointSliceMirroringController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;
  private readonly tracker: SliceTracker;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    this.tracker = new SliceTracker(() => ctx.now().getTime());
    const svcInf = ctx.informers.for<Service>(SERVICES);
    const epInf = ctx.informers.for<Endpoints>(ENDPOINTS);
    const sliceInf = this.slices();
    this.controller = new Controller({
      name: ControllerName,
      informers: [svcInf, epInf, sliceInf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    const c = this.controller;
    for (const inf of [svcInf, epInf]) {
      inf.addEventHandler({
        onAdd: c.enqueueObject,
        onUpdate: (_o, n) => c.enqueueObject(n),
        onDelete: c.enqueueObject,
      });
    }
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

  /** Converges the mirrored slices of Endpoints (and Service) `key`. */
  async reconcile(key: string): Promise<RequeueAfter | undefined> {
    const { namespace = '', name } = splitKey(key);
    const sliceInf = this.slices();
    if (this.tracker.stale(key, (n) => sliceInf.get(`${namespace}/${n}`))) {
      return { requeueAfterMs: 100 };
    }
    const existing = sliceInf
      .list(namespace)
      .filter(
        (s) =>
          s.metadata.labels?.[LABEL_SERVICE_NAME] === name &&
          s.metadata.labels[LABEL_ENDPOINTSLICE_MANAGED_BY] === MIRRORING_CONTROLLER_MANAGER,
      );
    const ep = this.ctx.informers.for<Endpoints>(ENDPOINTS).get(key);
    const svc = this.ctx.informers.for<Service>(SERVICES).get(key);
    const mirror =
      ep !== undefined &&
      svc !== undefined &&
      svc.spec.selector === undefined &&
      ep.metadata.labels?.[LABEL_SKIP_MIRROR] !== 'true';
    const plan = mirror
      ? planSlices({
          existing: existing.filter((s) => ownedBy(s, ep.metadata.uid)),
          desired: mirroredGroups(ep),
          meta: {
            namespace,
            generateName: `${name}-`,
            labels: {
              ...(ep.metadata.labels ?? {}),
              [LABEL_SERVICE_NAME]: name,
              [LABEL_ENDPOINTSLICE_MANAGED_BY]: MIRRORING_CONTROLLER_MANAGER,
            },
            annotations: Object.fromEntries(
              Object.entries(ep.metadata.annotations ?? {}).filter(
                ([k]) => !SKIPPED_ANNOTATIONS.includes(k),
              ),
            ),
            ownerReferences: [controllerRef({ ...ep, apiVersion: 'v1', kind: 'Endpoints' })],
          },
          maxEndpointsPerSlice: MAX_ENDPOINTS_PER_SUBSET,
          placeholder: false,
        })
      : { create: [], update: [], delete: [] };
    plan.delete.push(...existing.filter((s) => !mirror || !ownedBy(s, ep.metadata.uid)));
    if (!ep) this.tracker.forget(key);
    const rc = this.ctx.client.resource<EndpointSlice>(ENDPOINTSLICES, namespace);
    for (const s of plan.delete) {
      const n = s.metadata.name ?? '';
      await rc.delete(n).catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
      this.tracker.deleted(key, n);
    }
    for (const s of plan.update) this.tracker.wrote(key, await rc.update(s));
    for (const s of plan.create) this.tracker.wrote(key, await rc.create(s));
    return undefined;
  }

  private slices() {
    return this.ctx.informers.for<EndpointSlice>(ENDPOINTSLICES, {
      labelSelector: `${LABEL_ENDPOINTSLICE_MANAGED_BY}=${MIRRORING_CONTROLLER_MANAGER}`,
    });
  }
}

/**
 * The Endpoints' subsets as slice groups: subsets with the same ports merge, IPv4 and IPv6
 * addresses part, `addresses` are ready and `notReadyAddresses` not, at most
 * {@link MAX_ENDPOINTS_PER_SUBSET} per subset, each address once.
 */
export function mirroredGroups(ep: Endpoints): EndpointGroup[] {
  const groups = new Map<string, EndpointGroup>();
  const seen = new Set<string>();
  for (const subset of ep.subsets ?? []) {
    const ports: EndpointSlicePort[] = (subset.ports ?? []).map((p) => ({
      name: p.name ?? '',
      protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP',
      port: p.port,
    }));
    const all = [
      ...(subset.addresses ?? []).map((a) => toEndpoint(a, true)),
      ...(subset.notReadyAddresses ?? []).map((a) => toEndpoint(a, false)),
    ].slice(0, MAX_ENDPOINTS_PER_SUBSET);
    for (const e of all) {
      const ip = e.addresses[0] ?? '';
      const addressType = ip.includes(':') ? 'IPv6' : 'IPv4';
      const k = portMappingKey(addressType, ports);
      if (seen.has(`${k}|${ip}`)) continue;
      seen.add(`${k}|${ip}`);
      const g = groups.get(k) ?? { addressType, ports, endpoints: [] };
      g.endpoints.push(e);
      groups.set(k, g);
    }
  }
  return [...groups.values()];
}

function toEndpoint(a: EndpointAddress, ready: boolean): SliceEndpoint {
  return {
    addresses: [a.ip],
    conditions: { ready },
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.nodeName ? { nodeName: a.nodeName } : {}),
    ...(a.targetRef ? { targetRef: { ...a.targetRef } } : {}),
  };
}

function ownedBy(s: EndpointSlice, uid: string | undefined): boolean {
  return (s.metadata.ownerReferences ?? []).some(
    (r) => r.controller === true && r.kind === 'Endpoints' && r.uid === uid,
  );
}
