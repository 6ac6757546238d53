import { describe, expect, it } from 'vitest';
import { DEPLOYMENTS, REVISION_ANNOTATION, type Deployment } from '../../../api/index.js';
import { FakeKubeClient } from '../../../machinery/testing/fake-kube-client.js';
import type { ResourceBinding } from '../../apis/index.js';
import { writeBindingSpec } from './binding-writer.js';
import { DEPLOYMENT_TYPE, deployment, policy } from './pipeline-fixture.js';
import { specificationChanged } from './template-specification.js';

describe('template specification', () => {
  it('changes with spec and metadata, not with status or bookkeeping', () => {
    const d = deployment(2);
    const statusOnly: Deployment = {
      ...d,
      metadata: { ...d.metadata, resourceVersion: '9', generation: 3 },
      status: { replicas: 2 },
    };
    expect(specificationChanged(d, statusOnly)).toBe(false);
    const labelled = { ...d, metadata: { ...d.metadata, labels: { tier: 'web' } } };
    expect(specificationChanged(d, labelled)).toBe(true);
    expect(specificationChanged(d, deployment(3))).toBe(true);
  });

  it('does not change with the revision the history controller numbers (no member copy has it)', () => {
    const d = deployment(2);
    const numbered = (r: string): Deployment => ({
      ...d,
      metadata: { ...d.metadata, annotations: { [REVISION_ANNOTATION]: r, note: 'x' } },
    });
    expect(specificationChanged(numbered('1'), numbered('2'))).toBe(false);
    expect(specificationChanged(d, numbered('1'))).toBe(true);
    // the only annotation: the same as none
    const alone = {
      ...d,
      metadata: { ...d.metadata, annotations: { [REVISION_ANNOTATION]: '1' } },
    };
    expect(specificationChanged(d, alone)).toBe(false);
  });

  it("keeps the binding's resourceVersion while only the template's status changes", async () => {
    const client = new FakeKubeClient();
    const deployments = client.resource<Deployment>(DEPLOYMENTS, 'default');
    const src = { policy: policy('pp', {}), replicas: 2 };
    let existing: ResourceBinding | undefined;
    const write = async (tmpl: Deployment): Promise<ResourceBinding> => {
      existing = await writeBindingSpec(
        client,
        DEPLOYMENT_TYPE,
        tmpl,
        'web-deployment',
        existing,
        src,
      );
      return existing;
    };
    const created = await deployments.create(deployment(2));
    const first = await write(created);
    expect(first.spec.resource.resourceVersion).toBe(created.metadata.resourceVersion);
    // the binding controller's status write: no binding write
    const withStatus = await deployments.updateStatus({ ...created, status: { replicas: 2 } });
    client.clearActions();
    const same = await write(withStatus);
    expect(client.actions).toEqual([]);
    expect(same.spec.resource.resourceVersion).toBe(created.metadata.resourceVersion);
    // a label: the binding follows the template's version
    const labelled = await deployments.patch(
      'web',
      { metadata: { labels: { tier: 'web' } } },
      'merge',
    );
    const moved = await write(labelled);
    expect(moved.spec.resource.resourceVersion).toBe(labelled.metadata.resourceVersion);
  });
});
