/**
 * The shapes the service proxy reads. Services and Nodes come from api/; the
 * multi-cluster kinds (ServiceImport, EndpointSlice) are read through minimal interfaces of their
 * own here, so the proxy depends only on the fields it serves.
 */
import type { GroupVersionResource, KubeObject } from '../../machinery/meta.js';
import type { Service } from '../../api/index.js';

/** `multicluster.x-k8s.io/v1alpha1` ServiceImports (namespaced). */
export const SERVICE_IMPORTS: GroupVersionResource = {
  group: 'multicluster.x-k8s.io',
  version: 'v1alpha1',
  resource: 'serviceimports',
};
/** `discovery.k8s.io/v1` EndpointSlices (namespaced). */
export const ENDPOINT_SLICES: GroupVersionResource = {
  group: 'discovery.k8s.io',
  version: 'v1',
  resource: 'endpointslices',
};
/** Label of an imported service's EndpointSlices: the ServiceImport's name. */
export const LABEL_MCS_SERVICE_NAME = 'multicluster.kubernetes.io/service-name';
/** Label of an imported service's EndpointSlices: the cluster the endpoints run in. */
export const LABEL_MCS_SOURCE_CLUSTER = 'multicluster.kubernetes.io/source-cluster';

/** Kubernetes' default ClientIP affinity timeout (3 hours). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

/** Session affinity of a Service or ServiceImport. */
export interface SessionAffinitySpec {
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
}

/** A Service as the proxy reads it (with the affinity config core types leave out). */
export type ProxyService = Service & { spec: Service['spec'] & SessionAffinitySpec };

/** A port of a ServiceImport. */
export interface ServiceImportPort {
  name?: string;
  protocol?: string;
  port: number;
}

/** `multicluster.x-k8s.io/v1alpha1` ServiceImport: the fields the proxy serves. */
export interface ServiceImport extends KubeObject {
  spec?: SessionAffinitySpec & {
    ips?: string[];
    type?: 'ClusterSetIP' | 'Headless';
    ports?: ServiceImportPort[];
  };
}

/** `discovery.k8s.io/v1` EndpointSlice: the fields the proxy serves. */
export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: {
    addresses?: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  }[];
  ports?: { name?: string; protocol?: string; port?: number }[];
}
