import { describe, expect, it } from 'vitest';
import {
  countedType,
  formatQuantity,
  objectUsage,
  parseQuantity,
  podConstraintViolation,
  podUsage,
  quotaSelects,
  validateResourceQuota,
  type Pod,
  type ResourceQuota,
} from './index.js';

const pod = (resources?: Record<string, Record<string, string>>, phase?: string): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns' },
    spec: { containers: [{ name: 'app', image: 'i', ...(resources ? { resources } : {}) }] },
    ...(phase ? { status: { phase } } : {}),
  }) as Pod;

describe('quota quantities', () => {
  it('parses quantities in thousandths', () => {
    expect(parseQuantity('500m')).toBe(500);
    expect(parseQuantity('2')).toBe(2000);
    expect(parseQuantity('1Ki')).toBe(1024_000);
    expect(parseQuantity('1.5')).toBe(1500);
    expect(parseQuantity('1e3')).toBe(1_000_000);
    expect(parseQuantity('1G')).toBe(1e12);
    expect(parseQuantity('x')).toBeUndefined();
  });

  it('formats them as Kubernetes prints them', () => {
    expect(formatQuantity(1250, 'requests.cpu')).toBe('1250m');
    expect(formatQuantity(2000, 'pods')).toBe('2');
    expect(formatQuantity(0, 'pods')).toBe('0');
    expect(formatQuantity(128 * 2 ** 20 * 1000, 'requests.memory')).toBe('128Mi');
    expect(formatQuantity(1e12, 'memory')).toBe('1G');
  });
});

describe('quota usage', () => {
  it('counts a pod with its requests (defaulted from limits) and limits', () => {
    expect(podUsage(pod({ limits: { cpu: '1', memory: '1Gi' } }))).toEqual({
      pods: 1000,
      'count/pods': 1000,
      cpu: 1000,
      'requests.cpu': 1000,
      'limits.cpu': 1000,
      memory: 2 ** 30 * 1000,
      'requests.memory': 2 ** 30 * 1000,
      'limits.memory': 2 ** 30 * 1000,
    });
    expect(podUsage(pod(undefined, 'Failed'))).toEqual({});
  });

  it('counts other objects by count/<resource>[.<group>] and the classic names', () => {
    const o = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x' } };
    expect(objectUsage({ group: '', plural: 'configmaps' }, o)).toEqual({
      'count/configmaps': 1000,
      configmaps: 1000,
    });
    expect(objectUsage({ group: 'apps', plural: 'deployments' }, o)).toEqual({
      'count/deployments.apps': 1000,
    });
    expect(countedType('count/deployments.apps')).toEqual({ group: 'apps', plural: 'deployments' });
    expect(countedType('requests.memory')).toEqual({ group: '', plural: 'pods' });
    expect(countedType('services.nodeports')).toBeUndefined();
  });

  it('names every container lacking a request a quota limits', () => {
    expect(podConstraintViolation(pod(), ['pods'])).toBeUndefined();
    expect(podConstraintViolation(pod(), ['requests.cpu', 'memory'])).toBe(
      'must specify memory for: app; requests.cpu for: app',
    );
    expect(podConstraintViolation(pod({ requests: { cpu: '1' } }), ['cpu'])).toBeUndefined();
  });

  it('selects pods by the scopes', () => {
    const q = (scopes: string[]): ResourceQuota => ({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: { hard: { pods: '1' }, scopes },
    });
    const pods = { group: '', plural: 'pods' };
    expect(quotaSelects(q(['BestEffort']), pods, pod())).toBe(true);
    expect(quotaSelects(q(['NotBestEffort']), pods, pod())).toBe(false);
    expect(quotaSelects(q(['NotTerminating']), pods, pod())).toBe(true);
    expect(quotaSelects(q(['BestEffort']), { group: '', plural: 'configmaps' }, pod())).toBe(false);
  });

  it('validates spec.hard', () => {
    const q = (hard: Record<string, string>): ResourceQuota => ({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: { hard },
    });
    expect(validateResourceQuota(q({ pods: '2', 'requests.cpu': '500m' }))).toEqual([]);
    expect(validateResourceQuota(q({ pods: 'lots' })).map((c) => c.field)).toEqual([
      'spec.hard[pods]',
    ]);
    expect(validateResourceQuota(q({ pods: '1.5' }))[0]?.message).toContain('integer');
  });
});
