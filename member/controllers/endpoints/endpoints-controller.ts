import { splitKey } from '../../../machinery/meta.js';
import { Controller } from '../../../machinery/controller/index.js';
import { NotFoundError } from '../../../machinery/errors/index.js';
import { parseLabelSelector } from '../../../machinery/selectors/index.js';
import {
  ENDPOINTS,
  PODS,
  SERVICES,
  type EndpointAddress,
  type EndpointSubset,
  type Endpoints,
  type Pod,
  type Service,
} from '../../../api/index.js';
import type { ControllerContext } from '../controller-context.js';
import { isPodReady } from '../pod-template.js';
import { isDeepStrictEqual } from 'node:util';

export const ControllerName = 'endpoints-controller';

/** Resolves a service targetPort (number or container port name) for one pod. */
function targetPortFor(
  pod: Pod,
  target: number | string | undefined,
  fallback: number,
): number | undefined {
  if (typeof target === 'number') return target;
  if (target === undefined) return fallback;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === target) return p.containerPort;
  }
  return undefined;
}

/**
 * Endpoints of every selector Service: ready pods in `addresses`, others in `notReadyAddresses`,
 * each at `status.podIP` and the Service's targetPort (a port name resolved per pod from its
 * container ports; pods without that name are left out).
 */
export class EndpointsController {
  readonly controller: Controller;
  private readonly ctx: ControllerContext;

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
    const svcInf = ctx.informers.for<Service>(SERVICES);
    const podInf = ctx.informers.for<Pod>(PODS);
    const epInf = ctx.informers.for<Endpoints>(ENDPOINTS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [svcInf, podInf, epInf],
      reconcile: (k) => this.reconcile(k),
      logger: ctx.logger,
    });
    svcInf.addEventHandler({
      onAdd: this.controller.enqueueObject,
      onUpdate: (_o, n) => this.controller.enqueueObject(n),
      onDelete: this.controller.enqueueObject,
    });
    const byPod = (p: Pod): void => {
      for (const s of svcInf.list(p.metadata.namespace)) {
        if (
          s.spec.selector &&
          parseLabelSelector(
            Object.entries(s.spec.selector)
              .map(([k, v]) => `${k}=${v}`)
              .join(','),
          ).matches(p.metadata.labels)
        ) {
          this.controller.enqueueObject(s);
        }
      }
    };
    podInf.addEventHandler({
      onAdd: byPod,
      onUpdate: (o, n) => {
        byPod(o);
        byPod(n);
      },
      onDelete: byPod,
    });
    epInf.addEventHandler({ onDelete: this.controller.enqueueObject });
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const epClient = this.ctx.client.resource<Endpoints>(ENDPOINTS, namespace);
    const svc = this.ctx.informers.for<Service>(SERVICES).get(key);
    if (!svc) {
      await epClient.delete(name).catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
      return;
    }
    if (!svc.spec.selector || svc.spec.type === 'ExternalName') return;
    const sel = parseLabelSelector(
      Object.entries(svc.spec.selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    );
    const pods = this.ctx.informers
      .for<Pod>(PODS)
      .list(namespace)
      .filter(
        (p) => sel.matches(p.metadata.labels) && p.status?.podIP && !p.metadata.deletionTimestamp,
      );
    const subsets = new Map<string, EndpointSubset>();
    for (const pod of pods.sort((a, b) =>
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    )) {
      const ports: { name?: string; port: number; protocol: string }[] = [];
      let ok = true;
      for (const sp of svc.spec.ports ?? []) {
        const cp = targetPortFor(pod, sp.targetPort, sp.port);
        if (cp === undefined) {
          ok = false;
          break;
        }
        ports.push({
          ...(sp.name ? { name: sp.name } : {}),
          // every pod has its own address: the container port itself is reachable there
          port: cp,
          protocol: sp.protocol ?? 'TCP',
        });
      }
      if (!ok) continue;
      const addr: EndpointAddress = {
        ip: pod.status?.podIP ?? '',
        ...(pod.spec.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        ...(pod.spec.hostname && pod.spec.subdomain === name
          ? { hostname: pod.spec.hostname }
          : {}),
        targetRef: {
          kind: 'Pod',
          name: pod.metadata.name ?? '',
          namespace: namespace ?? '',
          uid: pod.metadata.uid ?? '',
        },
      };
      const sk = JSON.stringify(ports);
      const subset = subsets.get(sk) ?? { ports };
      const ready = isPodReady(pod) || svc.spec.publishNotReadyAddresses === true;
      if (ready) (subset.addresses ??= []).push(addr);
      else (subset.notReadyAddresses ??= []).push(addr);
      subsets.set(sk, subset);
    }
    const desired: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace: namespace ?? 'default', labels: svc.metadata.labels ?? {} },
      subsets: [...subsets.values()],
    };
    const current = this.ctx.informers.for<Endpoints>(ENDPOINTS).get(key);
    if (!current) {
      await epClient.create(desired);
      return;
    }
    if (
      isDeepStrictEqual(current.subsets ?? [], desired.subsets) &&
      isDeepStrictEqual(current.metadata.labels ?? {}, desired.metadata.labels)
    ) {
      return;
    }
    await epClient.update({
      ...current,
      metadata: { ...current.metadata, labels: desired.metadata.labels ?? {} },
      subsets: desired.subsets ?? [],
    });
  }
}
