/**
 * core/v1 messages a container's environment is built from (k8s.io/api core/v1/generated.proto
 * numbering): EnvVar with its value sources and EnvFromSource, plus the LocalObjectReference
 * other core messages share. Every Go field is listed, so unknown fields are reported.
 */
import { message, type Schema } from './schema.js';

const C = 'io.k8s.api.core.v1.';

/** core/v1 LocalObjectReference. */
export const localObjectReference: Schema = message(
  { name: C + 'LocalObjectReference' },
  { 1: { name: 'name', type: 'string', description: 'Name of the referent.' } },
);

const keySelector: Schema = message(
  { name: C + 'ConfigMapKeySelector' },
  {
    1: { name: 'localObjectReference', type: () => localObjectReference, inline: true },
    2: { name: 'key', type: 'string', required: true, description: 'The key to select.' },
    3: { name: 'optional', type: 'bool', optional: true },
  },
);

const secretKeySelector: Schema = message({ name: C + 'SecretKeySelector' }, { ...keySelector });

/** core/v1 ObjectFieldSelector (also used by downward API volumes). */
export const objectFieldSelector: Schema = message(
  { name: C + 'ObjectFieldSelector' },
  {
    1: { name: 'apiVersion', type: 'string' },
    2: {
      name: 'fieldPath',
      type: 'string',
      required: true,
      description: 'Path of the pod field to select, e.g. metadata.name.',
    },
  },
);

/** core/v1 ResourceFieldSelector (also used by downward API volumes). */
export const resourceFieldSelector: Schema = message(
  { name: C + 'ResourceFieldSelector' },
  {
    1: { name: 'containerName', type: 'string' },
    2: {
      name: 'resource',
      type: 'string',
      required: true,
      description: 'Resource to select, e.g. limits.cpu.',
    },
    3: { name: 'divisor', type: 'quantity' },
  },
);

const fileKeySelector: Schema = message(
  { name: C + 'FileKeySelector' },
  {
    1: { name: 'volumeName', type: 'string', required: true },
    2: { name: 'path', type: 'string', required: true },
    3: { name: 'key', type: 'string', required: true },
    4: { name: 'optional', type: 'bool', optional: true },
  },
);

const envVarSource: Schema = message(
  { name: C + 'EnvVarSource' },
  {
    1: { name: 'fieldRef', type: () => objectFieldSelector },
    2: { name: 'resourceFieldRef', type: () => resourceFieldSelector },
    3: { name: 'configMapKeyRef', type: () => keySelector },
    4: { name: 'secretKeyRef', type: () => secretKeySelector },
    5: { name: 'fileKeyRef', type: () => fileKeySelector },
  },
);

/** core/v1 EnvVar. */
export const envVar: Schema = message(
  { name: C + 'EnvVar' },
  {
    1: {
      name: 'name',
      type: 'string',
      required: true,
      description: 'Name of the environment variable.',
    },
    2: {
      name: 'value',
      type: 'string',
      description: 'Value of the variable; $(VAR) references are expanded.',
    },
    3: {
      name: 'valueFrom',
      type: () => envVarSource,
      description: 'Where the value comes from when value is not set.',
    },
  },
);

// ConfigMapEnvSource / SecretEnvSource: the reference inline, then `optional`
const envSource: Schema = message(
  { name: C + 'ConfigMapEnvSource' },
  {
    1: { name: 'localObjectReference', type: () => localObjectReference, inline: true },
    2: { name: 'optional', type: 'bool', optional: true },
  },
);

const secretEnvSource: Schema = message({ name: C + 'SecretEnvSource' }, { ...envSource });

/** core/v1 EnvFromSource. */
export const envFromSource: Schema = message(
  { name: C + 'EnvFromSource' },
  {
    1: { name: 'prefix', type: 'string' },
    2: { name: 'configMapRef', type: () => envSource },
    3: { name: 'secretRef', type: () => secretEnvSource },
  },
);
