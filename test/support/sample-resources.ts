/**
 * Minimal resource types for machinery tests: core/v1 ConfigMap and apps/v1 Deployment (with
 * status and scale subresources). The real member types live in member/apis/.
 */
import type { KubeObject, StatusCause } from '../../machinery/meta.js';
import type { ResourceType } from '../../machinery/resource-type.js';

export const configMapType: ResourceType = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  validate: (obj) => {
    const causes: StatusCause[] = [];
    const data = obj.data;
    if (
      data !== undefined &&
      (typeof data !== 'object' ||
        data === null ||
        Object.values(data).some((v) => typeof v !== 'string'))
    ) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'data',
        message: 'data values must be strings',
      });
    }
    return causes;
  },
  printerColumns: [
    {
      name: 'Data',
      type: 'integer',
      value: (o: KubeObject) => Object.keys((o.data as object | undefined) ?? {}).length,
    },
  ],
};

interface DeploymentLike extends KubeObject {
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: { labels?: Record<string, string> } };
  };
  status?: { replicas?: number; readyReplicas?: number };
}

export const deploymentType: ResourceType<DeploymentLike> = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: {
    status: true,
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.spec.selector',
    },
  },
  defaults: (obj) => {
    obj.spec ??= {};
    obj.spec.replicas ??= 1;
  },
  validate: (obj) => {
    const causes: StatusCause[] = [];
    const r = obj.spec?.replicas;
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 0) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: 'must be a non-negative integer',
      });
    }
    if (!obj.spec?.selector?.matchLabels) {
      causes.push({
        reason: 'FieldValueRequired',
        field: 'spec.selector',
        message: 'Required value',
      });
    }
    return causes;
  },
  printerColumns: [
    {
      name: 'Ready',
      type: 'string',
      value: (o) => `${String(o.status?.readyReplicas ?? 0)}/${String(o.spec?.replicas ?? 0)}`,
    },
  ],
};

export const sampleResources: ResourceType[] = [configMapType, deploymentType];
