/**
 * Fixed objects of a chaos session, beside the workload's: a Service every member gets (its name
 * is what the DNS invariant asks the cluster DNS servers and the resolver for) and a probe
 * ConfigMap every member gets (the slow-member fault writes it at the federation and times its
 * arrival in the healthy members). Each has its own PropagationPolicy, so the invariants' placement
 * check covers the probe like any workload ConfigMap.
 */
import { CONFIGMAPS, SERVICES, type ConfigMap, type Service } from '../../api/index.js';
import { PROPAGATION_POLICIES, type PropagationPolicy } from '../../federation/apis/index.js';
import { AlreadyExistsError } from '../../machinery/errors/index.js';
import type { RestClient } from '../../machinery/client/rest-client.js';
import { CHAOS_NAMESPACE, LABEL_SPREAD } from './workload.js';

/** The Service the DNS invariant resolves in every member (`chaos-web.chaos.svc.<zone>`). */
export const DNS_SERVICE = 'chaos-web';
/** The ConfigMap the slow-member fault writes (`data.seq`). */
export const PROBE_CONFIGMAP = 'chaos-probe';

function policy(name: string, apiVersion: string, kind: string, members: readonly string[]) {
  const pp: PropagationPolicy = {
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name, namespace: CHAOS_NAMESPACE },
    spec: {
      resourceSelectors: [
        { apiVersion, kind, labelSelector: { matchLabels: { [LABEL_SPREAD]: name } } },
      ],
      placement: { clusterAffinity: { clusterNames: [...members] } },
    },
  };
  return pp;
}

/** Creates both objects and their policies (the namespace exists); existing ones are kept. */
export async function createFixtures(fed: RestClient, members: readonly string[]): Promise<void> {
  const keep = (err: unknown): void => {
    if (!(err instanceof AlreadyExistsError)) throw err;
  };
  const pps = fed.resource<PropagationPolicy>(PROPAGATION_POLICIES, CHAOS_NAMESPACE);
  await pps.create(policy(DNS_SERVICE, 'v1', 'Service', members)).catch(keep);
  await pps.create(policy(PROBE_CONFIGMAP, 'v1', 'ConfigMap', members)).catch(keep);
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: DNS_SERVICE,
      namespace: CHAOS_NAMESPACE,
      labels: { [LABEL_SPREAD]: DNS_SERVICE },
    },
    spec: { selector: { app: DNS_SERVICE }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  };
  await fed.resource<Service>(SERVICES, CHAOS_NAMESPACE).create(svc).catch(keep);
  const cm: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: PROBE_CONFIGMAP,
      namespace: CHAOS_NAMESPACE,
      labels: { [LABEL_SPREAD]: PROBE_CONFIGMAP },
    },
    data: { seq: '0' },
  };
  await fed.resource<ConfigMap>(CONFIGMAPS, CHAOS_NAMESPACE).create(cm).catch(keep);
}
