/**
 * autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscaler messages (k8s.io/api autoscaling
 * generated.proto numbering): `kubectl autoscale` posts a v1 one in protobuf; the v2 message also
 * gives the served OpenAPI (`kubectl explain hpa.spec.behavior`) and strict field validation.
 */
import { labelSelector } from './meta-schemas.js';
import { kindMessage, specField, statusField } from './meta-schemas.js';
import { message, type Schema } from './schema.js';

const V1 = 'io.k8s.api.autoscaling.v1.';
const V2 = 'io.k8s.api.autoscaling.v2.';

const crossVersionObjectReference = (prefix: string): Schema =>
  message(
    { name: `${prefix}CrossVersionObjectReference` },
    {
      1: { name: 'kind', type: 'string', required: true, description: 'Kind of the referent.' },
      2: { name: 'name', type: 'string', required: true, description: 'Name of the referent.' },
      3: { name: 'apiVersion', type: 'string', description: 'API version of the referent.' },
    },
  );

const refV1 = crossVersionObjectReference(V1);
const refV2 = crossVersionObjectReference(V2);

const hpaSpecV1: Schema = message(
  { name: `${V1}HorizontalPodAutoscalerSpec` },
  {
    1: {
      name: 'scaleTargetRef',
      type: () => refV1,
      required: true,
      description: 'The object scaled (through its scale subresource).',
    },
    2: { name: 'minReplicas', type: 'int', optional: true, description: 'Lower bound. Default 1.' },
    3: { name: 'maxReplicas', type: 'int', required: true, description: 'Upper bound.' },
    4: {
      name: 'targetCPUUtilizationPercentage',
      type: 'int',
      optional: true,
      description: 'Target average CPU utilization (percent of requests). Default 80.',
    },
  },
);

const metricTarget: Schema = message(
  { name: `${V2}MetricTarget` },
  {
    1: {
      name: 'type',
      type: 'string',
      required: true,
      description: 'Utilization, Value or AverageValue.',
    },
    2: { name: 'value', type: 'quantity', description: 'Target value of the metric.' },
    3: { name: 'averageValue', type: 'quantity', description: 'Target value averaged over pods.' },
    4: {
      name: 'averageUtilization',
      type: 'int',
      optional: true,
      description: 'Target average utilization, percent of the pods’ requests.',
    },
  },
);

const metricIdentifier: Schema = message(
  { name: `${V2}MetricIdentifier` },
  {
    1: { name: 'name', type: 'string', required: true },
    2: { name: 'selector', type: () => labelSelector },
  },
);

const resourceSource: Schema = message(
  { name: `${V2}ResourceMetricSource` },
  {
    1: { name: 'name', type: 'string', required: true, description: 'cpu or memory.' },
    2: { name: 'target', type: () => metricTarget, required: true },
  },
);

const containerResourceSource: Schema = message(
  { name: `${V2}ContainerResourceMetricSource` },
  {
    1: { name: 'name', type: 'string', required: true },
    2: { name: 'target', type: () => metricTarget, required: true },
    3: { name: 'container', type: 'string', required: true },
  },
);

const podsSource: Schema = message(
  { name: `${V2}PodsMetricSource` },
  {
    1: { name: 'metric', type: () => metricIdentifier, required: true },
    2: { name: 'target', type: () => metricTarget, required: true },
  },
);

const objectSource: Schema = message(
  { name: `${V2}ObjectMetricSource` },
  {
    1: { name: 'describedObject', type: () => refV2, required: true },
    2: { name: 'target', type: () => metricTarget, required: true },
    3: { name: 'metric', type: () => metricIdentifier, required: true },
  },
);

const externalSource: Schema = message(
  { name: `${V2}ExternalMetricSource` },
  {
    1: { name: 'metric', type: () => metricIdentifier, required: true },
    2: { name: 'target', type: () => metricTarget, required: true },
  },
);

const metricSpec: Schema = message(
  { name: `${V2}MetricSpec` },
  {
    1: {
      name: 'type',
      type: 'string',
      required: true,
      description: 'Resource, ContainerResource, Pods, Object or External.',
    },
    2: { name: 'object', type: () => objectSource },
    3: { name: 'pods', type: () => podsSource },
    4: { name: 'resource', type: () => resourceSource },
    5: { name: 'external', type: () => externalSource },
    7: { name: 'containerResource', type: () => containerResourceSource },
  },
);

const scalingPolicy: Schema = message(
  { name: `${V2}HPAScalingPolicy` },
  {
    1: { name: 'type', type: 'string', required: true, description: 'Pods or Percent.' },
    2: { name: 'value', type: 'int', required: true },
    3: { name: 'periodSeconds', type: 'int', required: true },
  },
);

const scalingRules: Schema = message(
  { name: `${V2}HPAScalingRules` },
  {
    1: {
      name: 'selectPolicy',
      type: 'string',
      optional: true,
      description: 'Max, Min or Disabled.',
    },
    2: { name: 'policies', type: () => scalingPolicy, repeated: true },
    3: {
      name: 'stabilizationWindowSeconds',
      type: 'int',
      optional: true,
      description:
        'Seconds of past recommendations considered (scale-down default 300, scale-up 0).',
    },
  },
);

const behavior: Schema = message(
  { name: `${V2}HorizontalPodAutoscalerBehavior` },
  {
    1: { name: 'scaleUp', type: () => scalingRules },
    2: { name: 'scaleDown', type: () => scalingRules },
  },
);

const hpaSpecV2: Schema = message(
  { name: `${V2}HorizontalPodAutoscalerSpec` },
  {
    1: {
      name: 'scaleTargetRef',
      type: () => refV2,
      required: true,
      description: 'The object scaled (through its scale subresource).',
    },
    2: { name: 'minReplicas', type: 'int', optional: true, description: 'Lower bound. Default 1.' },
    3: { name: 'maxReplicas', type: 'int', required: true, description: 'Upper bound.' },
    4: {
      name: 'metrics',
      type: () => metricSpec,
      repeated: true,
      description: 'What to scale on; default 80 % average CPU utilization.',
    },
    5: { name: 'behavior', type: () => behavior, description: 'Scaling up and down rules.' },
  },
);

// status is the controller's to write: decoded as an empty object, as the JSON path sends it
const status = (): Schema => ({});

const DESCRIPTION =
  'Scales a Deployment, ReplicaSet or StatefulSet between bounds on its pods’ metrics.';

/** The autoscaling kinds by `apiVersion/kind`. */
export const autoscalingSchemas: Record<string, Schema> = {
  'autoscaling/v1/HorizontalPodAutoscaler': kindMessage(
    `${V1}HorizontalPodAutoscaler`,
    DESCRIPTION,
    { 2: specField(() => hpaSpecV1), 3: statusField(status) },
  ),
  'autoscaling/v2/HorizontalPodAutoscaler': kindMessage(
    `${V2}HorizontalPodAutoscaler`,
    DESCRIPTION,
    { 2: specField(() => hpaSpecV2), 3: statusField(status) },
  ),
};
