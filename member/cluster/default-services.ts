import { objectKey, type KubeObject } from '../../machinery/meta.js';
import type { KubeClient } from '../../machinery/client/kube-client.js';
import { Controller, type Logger } from '../../machinery/controller/index.js';
import { AlreadyExistsError } from '../../machinery/errors/index.js';
import type { InformerFactory } from '../../machinery/informer/index.js';
import {
  ENDPOINTS,
  SERVICES,
  type EndpointSubset,
  type Endpoints,
  type Service,
  type ServicePort,
} from '../../api/index.js';

export const ControllerName = 'default-services-controller';
/** The single work item: both Services and their Endpoints are reconciled together. */
export const DEFAULT_SERVICES_KEY = 'default-services';
/**
 * Kubernetes' conventional addresses in the default range: the first of the range and `.10` for
 * the DNS (other ranges: ClusterIpAllocator's kubernetesIp and dnsIp).
 */
export const KUBERNETES_CLUSTER_IP = '10.96.0.1';
export const KUBE_DNS_CLUSTER_IP = '10.96.0.10';

/** A host and port something listens on. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Options for {@link DefaultServicesController}. */
export interface DefaultServicesOptions {
  /** Writes as the API server itself (admin), as kube-apiserver's own reconcilers do. */
  client: KubeClient;
  /** Service and Endpoints deletes and updates trigger a reconcile at once. */
  informers: InformerFactory;
  /** Where the member API server listens (the `kubernetes` Endpoints). */
  apiServer: () => ListenAddress;
  /** Where the cluster DNS listens, if the member runs one (the `kube-dns` Endpoints). */
  dns: () => ListenAddress | undefined;
  /**
   * ClusterIPs of `kubernetes` and `kube-dns`: the first and the tenth address of the service
   * range. @defaultValue {@link KUBERNETES_CLUSTER_IP} and {@link KUBE_DNS_CLUSTER_IP}
   */
  clusterIps?: { kubernetes: string; dns: string };
  /** Period of the full reconcile. @defaultValue 10000 */
  periodMs?: number;
  logger?: Logger;
}

/** One Service this controller owns, with the Endpoints it should have (none: leave alone). */
interface Wanted {
  service: Service;
  subsets: EndpointSubset[] | undefined;
}

const serviceKeys = new Set(['default/kubernetes', 'kube-system/kube-dns']);

/**
 * Keeps the Services every Kubernetes cluster has: `default/kubernetes` (the range's first
 * address, 443/https, Endpoints = the API server's address and port, as kube-apiserver's endpoint
 * reconciler keeps them) and `kube-system/kube-dns` (the tenth, 53/UDP `dns` and 53/TCP
 * `dns-tcp`, Endpoints = the cluster DNS server when the member runs one). The Service port stays
 * 53 (or 443) while targetPort and the Endpoints carry the real, randomly chosen port.
 * Level-triggered: a delete of either Service or its Endpoints re-creates it at once, and a full
 * reconcile also runs every `periodMs`. Neither Service has a selector, so the endpoints
 * controller leaves their Endpoints to this one. They carry no federation label, so the
 * federation neither propagates nor garbage-collects them.
 */
export class DefaultServicesController {
  readonly controller: Controller;
  private readonly opts: DefaultServicesOptions;

  constructor(opts: DefaultServicesOptions) {
    this.opts = opts;
    const services = opts.informers.for<Service>(SERVICES);
    const endpoints = opts.informers.for<Endpoints>(ENDPOINTS);
    this.controller = new Controller({
      name: ControllerName,
      informers: [services, endpoints],
      reconcile: () => this.reconcile(),
      workers: 1,
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    const onChange = (o: KubeObject): void => {
      if (serviceKeys.has(objectKey(o))) this.controller.enqueue(DEFAULT_SERVICES_KEY);
    };
    for (const inf of [services, endpoints] as const) {
      inf.addEventHandler({ onUpdate: (_o, n) => onChange(n), onDelete: onChange });
    }
    // the first run starts the periodic reconcile (requeued by every reconcile)
    this.controller.enqueue(DEFAULT_SERVICES_KEY);
  }

  /** The Services and Endpoints as they should be now. */
  wanted(): Wanted[] {
    const api = this.opts.apiServer();
    const dns = this.opts.dns();
    return [
      {
        service: service(
          'default',
          'kubernetes',
          this.opts.clusterIps?.kubernetes ?? KUBERNETES_CLUSTER_IP,
          {
            component: 'apiserver',
            provider: 'kubernetes',
          },
          [{ name: 'https', port: 443, protocol: 'TCP', targetPort: api.port }],
        ),
        subsets: [
          {
            addresses: [{ ip: api.host }],
            ports: [{ name: 'https', port: api.port, protocol: 'TCP' }],
          },
        ],
      },
      {
        service: service(
          'kube-system',
          'kube-dns',
          this.opts.clusterIps?.dns ?? KUBE_DNS_CLUSTER_IP,
          {
            'k8s-app': 'kube-dns',
            'kubernetes.io/name': 'CoreDNS',
          },
          [
            { name: 'dns', port: 53, protocol: 'UDP', targetPort: dns?.port ?? 53 },
            { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: dns?.port ?? 53 },
          ],
        ),
        subsets: dns
          ? [
              {
                addresses: [{ ip: dns.host }],
                ports: [
                  { name: 'dns', port: dns.port, protocol: 'UDP' },
                  { name: 'dns-tcp', port: dns.port, protocol: 'TCP' },
                ],
              },
            ]
          : undefined,
      },
    ];
  }

  /** Creates what is missing and corrects ports and Endpoints that drifted. */
  async reconcile(): Promise<{ requeueAfterMs: number }> {
    for (const w of this.wanted()) {
      await this.ensureService(w.service);
      if (w.subsets) await this.ensureEndpoints(w.service, w.subsets);
    }
    return { requeueAfterMs: this.opts.periodMs ?? 10_000 };
  }

  private async ensureService(want: Service): Promise<void> {
    const rc = this.opts.client.resource<Service>(SERVICES, want.metadata.namespace);
    // from the informer (the reconcile runs once it has synced): a stale copy is a conflict,
    // retried; reading the API server every period would be two requests a resource for nothing
    const cur = this.opts.informers.for<Service>(SERVICES).get(objectKey(want));
    if (!cur) {
      await ignoreExists(rc.create(want));
      return;
    }
    if (JSON.stringify(cur.spec.ports) === JSON.stringify(want.spec.ports)) return;
    // only the ports are ours to correct; the clusterIP is immutable
    await rc.update({
      ...structuredClone(cur),
      spec: { ...cur.spec, ports: want.spec.ports ?? [] },
    });
  }

  private async ensureEndpoints(svc: Service, subsets: EndpointSubset[]): Promise<void> {
    const rc = this.opts.client.resource<Endpoints>(ENDPOINTS, svc.metadata.namespace);
    const cur = this.opts.informers.for<Endpoints>(ENDPOINTS).get(objectKey(svc));
    const want: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { ...svc.metadata },
      subsets,
    };
    if (!cur) {
      await ignoreExists(rc.create(want));
      return;
    }
    if (JSON.stringify(cur.subsets) === JSON.stringify(subsets)) return;
    await rc.update({ ...structuredClone(cur), subsets });
  }

  /** Runs until the signal aborts. */
  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }
}

function service(
  namespace: string,
  name: string,
  clusterIP: string,
  labels: Record<string, string>,
  ports: ServicePort[],
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports, sessionAffinity: 'None' },
  };
}

async function ignoreExists(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    // created meanwhile (another start of this member): the next reconcile compares it
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}

/** Host and port of a listening server's base URL (`https://127.0.0.1:6443` → both parts). */
export function listenAddress(url: string): ListenAddress {
  const u = new URL(url);
  const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  // an IPv6 host comes bracketed from URL; Endpoints carry the bare address
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}
