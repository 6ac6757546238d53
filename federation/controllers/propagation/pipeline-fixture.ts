/**
 * Test support for the pipeline's stages (not a test itself): a {@link PropagationController} on
 * a {@link FakeKubeClient} whose informers hold the seeded objects (fixed caches: the fake's
 * watches deliver nothing), and the federation objects the stages' tests are made of.
 */
import { DEPLOYMENTS, SECRETS, type Deployment } from '../../../api/index.js';
import {
  CLUSTERS,
  OVERRIDE_POLICIES,
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  RESOURCE_INTERPRETER_CUSTOMIZATIONS,
  WORKS,
  type Cluster,
  type PropagationPolicy,
  type ResourceBinding,
} from '../../apis/index.js';
import type { GroupVersionResource, KubeObject } from '../../../machinery/meta.js';
import { consoleLogger } from '../../../machinery/controller/index.js';
import { InformerFactory } from '../../../machinery/informer/index.js';
import { FakeKubeClient } from '../../../machinery/testing/fake-kube-client.js';
import { ClusterClients, FEDERATION_SYSTEM_NAMESPACE } from '../cluster-clients.js';
import { PropagationController } from './propagation-controller.js';
import type { TemplateType } from './template-type.js';

export const DEPLOYMENT_TYPE: TemplateType = {
  gvr: DEPLOYMENTS,
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  status: true,
};

/** A running fixture: the client, the pipeline, and `close()` to stop its informers. */
export interface PipelineFixture {
  client: FakeKubeClient;
  prop: PropagationController;
  signal: AbortSignal;
  close: () => Promise<void>;
}

/** Seeds `objects` (by resource), builds the pipeline and waits for its informers to sync. */
export async function pipelineFixture(
  objects: [GroupVersionResource, KubeObject][],
  client: FakeKubeClient = new FakeKubeClient(),
): Promise<PipelineFixture> {
  for (const [gvr, o] of objects) client.seed(gvr, o);
  const informers = new InformerFactory(client);
  const clients = new ClusterClients(
    informers.for(SECRETS, { namespace: FEDERATION_SYSTEM_NAMESPACE }),
  );
  const prop = new PropagationController({
    client,
    informers,
    clients,
    types: [DEPLOYMENT_TYPE],
    logger: consoleLogger('test', true),
  });
  const abort = new AbortController();
  informers.start(abort.signal);
  const synced = [
    CLUSTERS,
    PROPAGATION_POLICIES,
    OVERRIDE_POLICIES,
    RESOURCE_INTERPRETER_CUSTOMIZATIONS,
    RESOURCE_BINDINGS,
    WORKS,
    DEPLOYMENTS,
  ];
  await Promise.all(synced.map((g) => informers.for(g).waitForSync()));
  client.clearActions();
  return {
    client,
    prop,
    signal: abort.signal,
    close: async () => {
      abort.abort();
      await informers.stopped();
      clients.close();
    },
  };
}

/** A Ready cluster (Pull mode when `pull`). */
export function cluster(
  name: string,
  o: { pull?: boolean; pods?: number; taints?: Cluster['spec']['taints'] } = {},
): Cluster {
  return {
    apiVersion: 'cluster.flotilla.io/v1alpha1',
    kind: 'Cluster',
    metadata: { name, uid: `uid-${name}`, labels: { name } },
    spec: {
      apiEndpoint: `https://127.0.0.1:6443/${name}`,
      ...(o.pull ? { syncMode: 'Pull' as const } : {}),
      ...(o.taints ? { taints: o.taints } : {}),
    },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'ClusterReady' }],
      resourceSummary: { allocatablePods: o.pods ?? 110, allocatedPods: 0, readyNodes: 1 },
    },
  };
}

/** A Deployment template `web` in `default` with `replicas`. */
export function deployment(replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', resourceVersion: '7' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1' }] },
      },
    },
  };
}

/** A policy selecting Deployments with `placement` and `priority`. */
export function policy(
  name: string,
  placement: PropagationPolicy['spec']['placement'],
  priority?: number,
): PropagationPolicy {
  return {
    apiVersion: 'policy.flotilla.io/v1alpha1',
    kind: 'PropagationPolicy',
    metadata: { name, namespace: 'default' },
    spec: {
      resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'Deployment' }],
      placement,
      ...(priority !== undefined ? { priority } : {}),
    },
  };
}

/** The binding of {@link deployment} as the resource detector writes it. */
export function binding(
  placement: PropagationPolicy['spec']['placement'],
  replicas: number,
  clusters: ResourceBinding['spec']['clusters'] = [],
): ResourceBinding {
  return {
    apiVersion: 'work.flotilla.io/v1alpha1',
    kind: 'ResourceBinding',
    metadata: { name: 'web-deployment', namespace: 'default', uid: 'uid-rb' },
    spec: {
      resource: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'default',
        name: 'web',
        uid: 'uid-web',
      },
      policy: { namespace: 'default', name: 'pp' },
      placement,
      replicas,
      clusters,
    },
  };
}

/** The recorded writes as `verb resource name`, events left out. */
export function writes(client: FakeKubeClient): string[] {
  return client.actions
    .filter((a) => a.resource !== '/events')
    .map((a) => `${a.verb} ${a.resource} ${a.name}`);
}
