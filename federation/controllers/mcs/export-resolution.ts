/**
 * The pure part of the multi-cluster services controller: from what each cluster of the set
 * exports (ServiceExport, Service, Endpoints), which export defines the import, which exports
 * conflict with it, each export's conditions, and the EndpointSlice each cluster contributes.
 */
import {
  LABEL_ENDPOINTSLICE_MANAGED_BY,
  LABEL_MCS_SERVICE_NAME,
  LABEL_MCS_SOURCE_CLUSTER,
  MCS_CONTROLLER_NAME,
  SERVICE_EXPORT_CONFLICT,
  SERVICE_EXPORT_READY,
  SERVICE_EXPORT_VALID,
  type EndpointSlice,
  type EndpointSlicePort,
  type Endpoints,
  type Service,
  type ServiceExport,
  type ServiceImport,
  type ServiceImportPort,
  type SliceEndpoint,
} from '../../../api/index.js';
import type { Condition } from '../../../machinery/meta.js';

/** Reasons of the export conditions. */
export const Reason = {
  ServiceExported: 'ServiceExported',
  ServiceNotFound: 'ServiceNotFound',
  ServiceTypeUnsupported: 'ServiceTypeUnsupported',
  NoConflicts: 'NoConflicts',
  PortConflict: 'PortConflict',
  TypeConflict: 'TypeConflict',
  Exported: 'Exported',
  Invalid: 'Invalid',
  Conflicting: 'Conflicting',
} as const;

/** One Ready cluster's view of an exported name. */
export interface ClusterExport {
  cluster: string;
  export: ServiceExport | undefined;
  service: Service | undefined;
  endpoints: Endpoints | undefined;
}

/** A condition as the controller wants it (transition time filled in when written). */
export type DesiredCondition = Pick<Condition, 'type' | 'status' | 'reason' | 'message'>;

/** What the exports of one name come to. */
export interface Resolution {
  /** The import's spec, from the oldest valid export; undefined when nothing valid is exported. */
  spec: ServiceImport['spec'] | undefined;
  /** The cluster whose export defines the import. */
  winner: string | undefined;
  /** Clusters whose endpoints are published (valid and not conflicting), sorted. */
  contributing: string[];
  /** Desired conditions of each cluster's ServiceExport. */
  conditions: Map<string, DesiredCondition[]>;
  /** `cluster: message` of each conflicting export. */
  conflicts: string[];
}

const importType = (s: Service): 'ClusterSetIP' | 'Headless' =>
  s.spec.clusterIP === 'None' ? 'Headless' : 'ClusterSetIP';

/** The Service's ports as the import shows them (name, protocol, port), sorted for comparing. */
export function importPorts(s: Service): ServiceImportPort[] {
  return (s.spec.ports ?? [])
    .map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      protocol: p.protocol ?? 'TCP',
      ...appProtocolOf(p),
      port: p.port,
    }))
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port);
}

/** `appProtocol` of a Service port (not modelled by the core type; kept when a client sets it). */
const appProtocolOf = (p: object): { appProtocol?: string } => {
  const v = (p as { appProtocol?: unknown }).appProtocol;
  return typeof v === 'string' && v !== '' ? { appProtocol: v } : {};
};

const portKey = (ports: ServiceImportPort[]): string =>
  JSON.stringify(ports.map((p) => [p.name ?? '', p.protocol ?? 'TCP', p.port]));

/** Oldest export first (creation time, then cluster name): the KEP's conflict resolution order. */
const byAge = (a: ClusterExport, b: ClusterExport): number =>
  (a.export?.metadata.creationTimestamp ?? '').localeCompare(
    b.export?.metadata.creationTimestamp ?? '',
  ) || a.cluster.localeCompare(b.cluster);

const cond = (type: string, ok: boolean, reason: string, message: string): DesiredCondition => ({
  type,
  status: ok ? 'True' : 'False',
  reason,
  message,
});

/** Resolves the exports of one name (only clusters with a ServiceExport count). */
export function resolveExports(states: readonly ClusterExport[]): Resolution {
  const exported = states.filter((s) => s.export !== undefined).sort(byAge);
  const conditions = new Map<string, DesiredCondition[]>();
  const valid = exported.filter(
    (s) => s.service !== undefined && s.service.spec.type !== 'ExternalName',
  );
  const winner = valid[0];
  const spec = winner?.service ? importSpec(winner.service) : undefined;
  const contributing: string[] = [];
  const conflicts: string[] = [];
  for (const s of exported) {
    const validity = validCondition(s);
    const conflict =
      spec && s.service && validity.status === 'True'
        ? conflictWith(spec, s.service, winner?.cluster ?? '')
        : undefined;
    const ready =
      validity.status !== 'True'
        ? cond(SERVICE_EXPORT_READY, false, Reason.Invalid, validity.message ?? '')
        : conflict
          ? cond(SERVICE_EXPORT_READY, false, Reason.Conflicting, conflict.message ?? '')
          : cond(
              SERVICE_EXPORT_READY,
              true,
              Reason.Exported,
              'endpoints published to the cluster set',
            );
    if (conflict) conflicts.push(`${s.cluster}: ${conflict.message ?? ''}`);
    else if (validity.status === 'True') contributing.push(s.cluster);
    conditions.set(s.cluster, [
      validity,
      conflict ??
        cond(SERVICE_EXPORT_CONFLICT, false, Reason.NoConflicts, 'no conflicting exports'),
      ready,
    ]);
  }
  contributing.sort();
  return { spec, winner: winner?.cluster, contributing, conditions, conflicts };
}

function importSpec(s: Service): ServiceImport['spec'] {
  const affinity = s.spec.sessionAffinity === 'ClientIP' ? 'ClientIP' : 'None';
  const config = (s.spec as { sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } } })
    .sessionAffinityConfig;
  return {
    type: importType(s),
    ports: importPorts(s),
    sessionAffinity: affinity,
    ...(affinity === 'ClientIP' && config ? { sessionAffinityConfig: config } : {}),
  };
}

function validCondition(s: ClusterExport): DesiredCondition {
  if (!s.service) {
    return cond(
      SERVICE_EXPORT_VALID,
      false,
      Reason.ServiceNotFound,
      `service ${s.export?.metadata.name ?? ''} not found in cluster ${s.cluster}`,
    );
  }
  if (s.service.spec.type === 'ExternalName') {
    return cond(
      SERVICE_EXPORT_VALID,
      false,
      Reason.ServiceTypeUnsupported,
      'ExternalName services cannot be exported',
    );
  }
  return cond(SERVICE_EXPORT_VALID, true, Reason.ServiceExported, 'service is exported');
}

/** A Conflict=True condition when `s` disagrees with the winning spec, else undefined. */
function conflictWith(
  spec: ServiceImport['spec'],
  s: Service,
  winner: string,
): DesiredCondition | undefined {
  if (importType(s) !== spec.type) {
    return cond(
      SERVICE_EXPORT_CONFLICT,
      true,
      Reason.TypeConflict,
      `type ${importType(s)} conflicts with ${spec.type} of the oldest export (cluster ${winner})`,
    );
  }
  if (portKey(importPorts(s)) !== portKey(spec.ports)) {
    const show = (ps: ServiceImportPort[]): string =>
      ps
        .map((p) => `${p.name ? `${p.name}:` : ''}${String(p.port)}/${p.protocol ?? 'TCP'}`)
        .join(',');
    return cond(
      SERVICE_EXPORT_CONFLICT,
      true,
      Reason.PortConflict,
      `ports ${show(importPorts(s))} conflict with ${show(spec.ports)} of the oldest export (cluster ${winner})`,
    );
  }
  return undefined;
}

/** Name of the EndpointSlice a cluster contributes to an import. */
export const importSliceName = (service: string, cluster: string): string =>
  `${service}-${cluster}`;

/**
 * The EndpointSlice `cluster` contributes to the import of `namespace/service`: every address of
 * its Endpoints (ready or not, hostname kept), the ports by the Service port's name with the
 * pods' target port.
 */
export function importSlice(
  namespace: string,
  service: string,
  cluster: string,
  endpoints: Endpoints | undefined,
): EndpointSlice {
  const ports = new Map<string, EndpointSlicePort>();
  const out: SliceEndpoint[] = [];
  const seen = new Set<string>();
  for (const subset of endpoints?.subsets ?? []) {
    for (const p of subset.ports ?? []) {
      const key = `${p.name ?? ''}|${p.protocol ?? 'TCP'}`;
      if (!ports.has(key)) {
        ports.set(key, {
          name: p.name ?? '',
          protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP',
          port: p.port,
        });
      }
    }
    const add =
      (ready: boolean) =>
      (a: {
        ip: string;
        hostname?: string;
        nodeName?: string;
        targetRef?: SliceEndpoint['targetRef'];
      }): void => {
        if (seen.has(a.ip)) return;
        seen.add(a.ip);
        out.push({
          addresses: [a.ip],
          conditions: { ready, serving: ready, terminating: false },
          ...(a.hostname ? { hostname: a.hostname } : {}),
          ...(a.nodeName ? { nodeName: a.nodeName } : {}),
          ...(a.targetRef ? { targetRef: { ...a.targetRef } } : {}),
        });
      };
    (subset.addresses ?? []).forEach(add(true));
    (subset.notReadyAddresses ?? []).forEach(add(false));
  }
  out.sort((a, b) => (a.addresses[0] ?? '').localeCompare(b.addresses[0] ?? ''));
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: importSliceName(service, cluster),
      namespace,
      labels: {
        [LABEL_MCS_SERVICE_NAME]: service,
        [LABEL_MCS_SOURCE_CLUSTER]: cluster,
        [LABEL_ENDPOINTSLICE_MANAGED_BY]: MCS_CONTROLLER_NAME,
      },
    },
    addressType: 'IPv4',
    endpoints: out,
    ports: [...ports.values()].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')),
  };
}
