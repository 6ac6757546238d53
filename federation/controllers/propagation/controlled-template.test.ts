import { describe, expect, it } from 'vitest';
import { DEPLOYMENTS, REPLICASETS, SECRETS, type ReplicaSet } from '../../../api/index.js';
import {
  CLUSTERS,
  OVERRIDE_POLICIES,
  PROPAGATION_POLICIES,
  RESOURCE_BINDINGS,
  RESOURCE_INTERPRETER_CUSTOMIZATIONS,
  WORKS,
  type PropagationPolicy,
} from '../../apis/index.js';
import { consoleLogger } from '../../../machinery/controller/index.js';
import { InformerFactory } from '../../../machinery/informer/index.js';
import { FakeKubeClient } from '../../../machinery/testing/fake-kube-client.js';
import { ClusterClients, FEDERATION_SYSTEM_NAMESPACE } from '../cluster-clients.js';
import { isControlledByTemplate } from './controlled-template.js';
import { PropagationController, type TemplateType } from './propagation-controller.js';

const DEPLOYMENT_TYPE: TemplateType = {
  gvr: DEPLOYMENTS,
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  status: true,
};
/** ReplicaSets made a propagated kind, to show the guard (the federation does not list them). */
const REPLICASET_TYPE: TemplateType = {
  gvr: REPLICASETS,
  kind: 'ReplicaSet',
  apiVersion: 'apps/v1',
  status: false,
};

function replicaSet(name: string, owner?: { kind: string; apiVersion: string }): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'web' },
      ...(owner
        ? {
            ownerReferences: [
              { ...owner, name: 'web', uid: 'uid-web', controller: true, blockOwnerDeletion: true },
            ],
          }
        : {}),
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1' }] },
      },
    },
  };
}

const DEPLOYMENT_OWNER = { kind: 'Deployment', apiVersion: 'apps/v1' };

const everyReplicaSet: PropagationPolicy = {
  apiVersion: 'policy.flotilla.io/v1alpha1',
  kind: 'PropagationPolicy',
  metadata: { name: 'all-replicasets', namespace: 'default' },
  spec: {
    resourceSelectors: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet' }],
    placement: {},
  },
};

describe('isControlledByTemplate', () => {
  it('is true only for a controller ownerReference to a propagated kind', () => {
    const types = [DEPLOYMENT_TYPE, REPLICASET_TYPE];
    expect(isControlledByTemplate(replicaSet('web-1', DEPLOYMENT_OWNER), types)).toBe(true);
    expect(isControlledByTemplate(replicaSet('solo'), types)).toBe(false);
    // not a propagated kind, or not the controller: a template like any other
    const byOther = replicaSet('x', { kind: 'Widget', apiVersion: 'example.com/v1' });
    expect(isControlledByTemplate(byOther, types)).toBe(false);
    const notController = replicaSet('y', DEPLOYMENT_OWNER);
    const ref = notController.metadata.ownerReferences?.[0];
    if (ref) ref.controller = false;
    expect(isControlledByTemplate(notController, types)).toBe(false);
  });
});

describe('PropagationController and a Deployment’s history ReplicaSets', () => {
  it('a policy selecting ReplicaSets binds a standalone one, never a Deployment’s', async () => {
    const client = new FakeKubeClient();
    client.seed(PROPAGATION_POLICIES, everyReplicaSet);
    client.seed(REPLICASETS, replicaSet('web-abc', DEPLOYMENT_OWNER), replicaSet('solo'));
    const informers = new InformerFactory(client);
    const secrets = informers.for(SECRETS, { namespace: FEDERATION_SYSTEM_NAMESPACE });
    const clients = new ClusterClients(secrets);
    const prop = new PropagationController({
      client,
      informers,
      clients,
      types: [DEPLOYMENT_TYPE, REPLICASET_TYPE],
      logger: consoleLogger('test', true),
    });
    const abort = new AbortController();
    informers.start(abort.signal);
    try {
      await Promise.all(
        [
          CLUSTERS,
          PROPAGATION_POLICIES,
          OVERRIDE_POLICIES,
          RESOURCE_INTERPRETER_CUSTOMIZATIONS,
          RESOURCE_BINDINGS,
          WORKS,
          DEPLOYMENTS,
          REPLICASETS,
        ].map((g) => informers.for(g).waitForSync()),
      );
      client.clearActions();
      await prop.detector.reconcile('apps/replicasets|default/web-abc');
      // no finalizer, no ResourceBinding, no event: not a template
      expect(client.actions).toEqual([]);
      await prop.detector.reconcile('apps/replicasets|default/solo');
      const writes = client.actions
        .filter((a) => a.resource !== '/events')
        .map((a) => `${a.verb} ${a.resource} ${a.name}`);
      expect(writes).toEqual([
        'patch apps/replicasets solo',
        'create work.flotilla.io/resourcebindings solo-replicaset',
      ]);
    } finally {
      abort.abort();
      await informers.stopped();
      clients.close();
    }
  });
});
