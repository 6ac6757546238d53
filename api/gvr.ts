/** GroupVersionResource constants of every member resource, for clients and informers. */
import type { GroupVersionResource } from '../machinery/meta.js';

const gvr = (group: string, version: string, resource: string): GroupVersionResource => ({
  group,
  version,
  resource,
});
export const NAMESPACES = gvr('', 'v1', 'namespaces');
export const PODS = gvr('', 'v1', 'pods');
export const NODES = gvr('', 'v1', 'nodes');
export const SERVICES = gvr('', 'v1', 'services');
export const ENDPOINTS = gvr('', 'v1', 'endpoints');
export const CONFIGMAPS = gvr('', 'v1', 'configmaps');
export const SECRETS = gvr('', 'v1', 'secrets');
export const EVENTS = gvr('', 'v1', 'events');
export const LEASES = gvr('coordination.k8s.io', 'v1', 'leases');
export const DEPLOYMENTS = gvr('apps', 'v1', 'deployments');
export const REPLICASETS = gvr('apps', 'v1', 'replicasets');
export const STATEFULSETS = gvr('apps', 'v1', 'statefulsets');
export const DAEMONSETS = gvr('apps', 'v1', 'daemonsets');
export const CONTROLLERREVISIONS = gvr('apps', 'v1', 'controllerrevisions');
export const JOBS = gvr('batch', 'v1', 'jobs');
export const CRONJOBS = gvr('batch', 'v1', 'cronjobs');
export const PODDISRUPTIONBUDGETS = gvr('policy', 'v1', 'poddisruptionbudgets');
export const HORIZONTALPODAUTOSCALERS = gvr('autoscaling', 'v2', 'horizontalpodautoscalers');
export const INGRESSES = gvr('networking.k8s.io', 'v1', 'ingresses');
export const INGRESSCLASSES = gvr('networking.k8s.io', 'v1', 'ingressclasses');
export const ENDPOINTSLICES = gvr('discovery.k8s.io', 'v1', 'endpointslices');
export const SERVICEEXPORTS = gvr('multicluster.x-k8s.io', 'v1alpha1', 'serviceexports');
export const SERVICEIMPORTS = gvr('multicluster.x-k8s.io', 'v1alpha1', 'serviceimports');
export const PRIORITYCLASSES = gvr('scheduling.k8s.io', 'v1', 'priorityclasses');
export const RESOURCEQUOTAS = gvr('', 'v1', 'resourcequotas');
