/**
 * multicluster.x-k8s.io/v1alpha1 ServiceExport and ServiceImport (KEP-1645, the multi-cluster
 * services API): types, validation, resource types, and the labels and condition names the
 * federation's MCS controller and the members' consumers (service proxy, DNS) share.
 */
import type { Condition, KubeObject, StatusCause } from '../machinery/meta.js';
import type { ResourceType } from '../machinery/resource-type.js';
import { invalid } from './validation.js';

/** API group of the multi-cluster services API. */
export const MULTICLUSTER_GROUP = 'multicluster.x-k8s.io';

/** Label of an imported EndpointSlice: the exported Service's name. */
export const LABEL_MCS_SERVICE_NAME = 'multicluster.kubernetes.io/service-name';
/** Label of an imported EndpointSlice: the cluster its endpoints come from. */
export const LABEL_MCS_SOURCE_CLUSTER = 'multicluster.kubernetes.io/source-cluster';
/** `endpointslice.kubernetes.io/managed-by` value of the slices the federation writes. */
export const MCS_CONTROLLER_NAME = 'flotilla-mcs-controller';

/** ServiceExport condition: the export can be used (its Service exists). */
export const SERVICE_EXPORT_VALID = 'Valid';
/** ServiceExport condition: this export disagrees with the one that won (ports or type). */
export const SERVICE_EXPORT_CONFLICT = 'Conflict';
/** ServiceExport condition: the export's endpoints are published to the cluster set. */
export const SERVICE_EXPORT_READY = 'Ready';

/** multicluster.x-k8s.io/v1alpha1 ServiceExport: marks the Service of the same name exported. */
export interface ServiceExport extends KubeObject {
  spec?: Record<string, never>;
  status?: { conditions?: Condition[] };
}

/** One port of a ServiceImport (the Service's port, as clients of the cluster-set IP see it). */
export interface ServiceImportPort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  appProtocol?: string;
  port: number;
}

/** The kinds of import: one virtual IP for the set, or DNS-only (per-endpoint records). */
export const SERVICE_IMPORT_TYPES = ['ClusterSetIP', 'Headless'] as const;

/** multicluster.x-k8s.io/v1alpha1 ServiceImport: a Service as the whole cluster set sees it. */
export interface ServiceImport extends KubeObject {
  spec: {
    /** The cluster-set IP(s) (ClusterSetIP imports only). */
    ips?: string[];
    type: (typeof SERVICE_IMPORT_TYPES)[number];
    ports: ServiceImportPort[];
    sessionAffinity?: 'None' | 'ClientIP';
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  };
  status?: { clusters?: { cluster: string }[] };
}

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** Validates a ServiceImport: type, ports (1..65535, known protocol), IPs only for ClusterSetIP. */
export function validateServiceImport(o: ServiceImport): StatusCause[] {
  const spec = o.spec as ServiceImport['spec'] | undefined;
  if (!spec || typeof spec !== 'object') return [invalid('spec', spec, 'Required value')];
  const out: StatusCause[] = [];
  if (!(SERVICE_IMPORT_TYPES as readonly unknown[]).includes(spec.type)) {
    out.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.type',
      message: `Unsupported value: ${JSON.stringify(spec.type)}: supported values: "ClusterSetIP", "Headless"`,
    });
  }
  const ports = spec.ports as unknown;
  if (!Array.isArray(ports)) {
    out.push(invalid('spec.ports', ports, 'must be a list'));
  } else {
    (ports as ServiceImportPort[]).forEach((p, i) => {
      const at = `spec.ports[${String(i)}]`;
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
        out.push(invalid(`${at}.port`, p.port, 'must be between 1 and 65535, inclusive'));
      }
      if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) {
        out.push({
          reason: 'FieldValueNotSupported',
          field: `${at}.protocol`,
          message: `Unsupported value: "${String(p.protocol)}": supported values: "SCTP", "TCP", "UDP"`,
        });
      }
    });
  }
  if (spec.type === 'Headless' && (spec.ips ?? []).length > 0) {
    out.push(invalid('spec.ips', spec.ips, 'must be empty for a Headless import'));
  }
  if (spec.ips !== undefined && !Array.isArray(spec.ips)) {
    out.push(invalid('spec.ips', spec.ips, 'must be a list'));
  }
  const affinity = spec.sessionAffinity;
  if (affinity !== undefined && affinity !== 'None' && affinity !== 'ClientIP') {
    out.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.sessionAffinity',
      message: `Unsupported value: "${String(affinity)}": supported values: "ClientIP", "None"`,
    });
  }
  return out;
}

/** Status of condition `type` of a ServiceExport, or `<unknown>`. */
const exportCondition = (e: ServiceExport, type: string): string =>
  e.status?.conditions?.find((c) => c.type === type)?.status ?? '<unknown>';

/** `serviceexport` resource type (multicluster.x-k8s.io/v1alpha1). */
export const serviceExportType: ResourceType<ServiceExport> = {
  group: MULTICLUSTER_GROUP,
  version: 'v1alpha1',
  kind: 'ServiceExport',
  plural: 'serviceexports',
  singular: 'serviceexport',
  namespaced: true,
  shortNames: ['svcex'],
  subresources: { status: true },
  patchMergeKeys: { '.status.conditions': 'type' },
  printerColumns: [
    { name: 'Valid', type: 'string', value: (e) => exportCondition(e, SERVICE_EXPORT_VALID) },
    { name: 'Conflict', type: 'string', value: (e) => exportCondition(e, SERVICE_EXPORT_CONFLICT) },
    { name: 'Ready', type: 'string', value: (e) => exportCondition(e, SERVICE_EXPORT_READY) },
  ],
};

/** `serviceimport` resource type (multicluster.x-k8s.io/v1alpha1). */
export const serviceImportType: ResourceType<ServiceImport> = {
  group: MULTICLUSTER_GROUP,
  version: 'v1alpha1',
  kind: 'ServiceImport',
  plural: 'serviceimports',
  singular: 'serviceimport',
  namespaced: true,
  shortNames: ['svcim'],
  subresources: { status: true },
  defaults: (o) => {
    const spec = o.spec as ServiceImport['spec'] | undefined;
    // a missing spec is left for validation to refuse
    if (!spec || typeof spec !== 'object') return;
    if (!Array.isArray(spec.ports)) return;
    for (const p of spec.ports) p.protocol ??= 'TCP';
    spec.sessionAffinity ??= 'None';
  },
  validate: (o) => validateServiceImport(o),
  printerColumns: [
    { name: 'Type', type: 'string', value: (i) => i.spec.type },
    { name: 'IP', type: 'string', value: (i) => (i.spec.ips ?? []).join(',') || '<none>' },
    {
      name: 'Clusters',
      type: 'string',
      value: (i) => (i.status?.clusters ?? []).map((c) => c.cluster).join(',') || '<none>',
    },
  ],
};
