/** Object builders for controller unit tests. */
import type { OwnerReference } from '../../../machinery/meta.js';
import type { Deployment, Pod, ReplicaSet } from '../../../api/index.js';

/** A pod template labelled `app`. */
export function template(app: string, image = 'busybox:1') {
  return {
    metadata: { labels: { app } },
    spec: { containers: [{ name: 'c', image, ports: [{ name: 'http', containerPort: 8080 }] }] },
  };
}

/** A Deployment with `replicas` of app `name`. */
export function deployment(name: string, replicas: number, image = 'busybox:1'): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: template(name, image),
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      },
      revisionHistoryLimit: 10,
    },
  };
}

/** A controller owner reference. */
export function ownerRef(kind: string, name: string, apiVersion = 'apps/v1'): OwnerReference {
  return { apiVersion, kind, name, uid: `uid-${name}`, controller: true, blockOwnerDeletion: true };
}

/** A ReplicaSet of app `app` with desired and available counts. */
export function replicaSet(
  name: string,
  app: string,
  replicas: number,
  available = replicas,
  extra: Partial<ReplicaSet['metadata']> = {},
): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      generation: 1,
      labels: { app },
      ...extra,
    },
    spec: { replicas, selector: { matchLabels: { app } }, template: template(app) },
    status: {
      replicas,
      readyReplicas: available,
      availableReplicas: available,
      fullyLabeledReplicas: replicas,
      observedGeneration: 1,
    },
  };
}

/** A pod of app `app`, optionally owned, scheduled and ready. */
export function pod(
  name: string,
  app: string,
  o: { owner?: string; node?: string; ready?: boolean; ip?: string; created?: string } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: { app },
      creationTimestamp: o.created ?? '2026-01-01T00:00:00Z',
      ...(o.owner ? { ownerReferences: [ownerRef('ReplicaSet', o.owner)] } : {}),
    },
    spec: {
      containers: [
        { name: 'c', image: 'busybox:1', ports: [{ name: 'http', containerPort: 8080 }] },
      ],
      ...(o.node ? { nodeName: o.node } : {}),
    },
    status: {
      phase: o.node ? 'Running' : 'Pending',
      ...(o.ip ? { podIP: o.ip } : {}),
      conditions: [{ type: 'Ready', status: o.ready ? 'True' : 'False' }],
    },
  };
}
