import { describe, expect, it } from 'vitest';
import type { Lease } from '../../../api/index.js';
import { ANNOTATION_LEASE_RESOURCE_SUMMARY } from '../../apis/index.js';
import { leaseSummary } from './agent-heartbeat.js';
import {
  formatBytes,
  formatCpu,
  parseQuantity,
  resourceSummary,
  type SummaryNode,
  type SummaryPod,
} from './resource-summary.js';

const node = (ready: boolean, allocatable: Record<string, string>): SummaryNode => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n' },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], allocatable },
});
const pod = (...requests: Record<string, string>[]): SummaryPod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: { containers: requests.map((r) => ({ resources: { requests: r } })) },
});

describe('quantities', () => {
  it('parses decimal, binary and milli suffixes and refuses garbage', () => {
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('4Gi')).toBe(4 * 1024 ** 3);
    expect(parseQuantity('128974848')).toBe(128974848);
    expect(parseQuantity('129M')).toBe(129e6);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('lots')).toBeUndefined();
    expect(parseQuantity(undefined)).toBeUndefined();
  });
  it('formats cores and bytes as quantities', () => {
    expect(formatCpu(4)).toBe('4');
    expect(formatCpu(3.5)).toBe('3500m');
    expect(formatBytes(16 * 1024 ** 3)).toBe('16Gi');
    expect(formatBytes(1536 * 1024 ** 2)).toBe('1536Mi');
    expect(formatBytes(1000)).toBe('1000');
    expect(formatBytes(0)).toBe('0');
  });
});

describe('resourceSummary', () => {
  it('sums Ready nodes and the requests of the pods', () => {
    const s = resourceSummary(
      [
        node(true, { cpu: '4', memory: '8Gi', pods: '110' }),
        node(true, { cpu: '2500m', memory: '8Gi' }),
        node(false, { cpu: '64', memory: '1Ti', pods: '500' }),
      ],
      [pod({ cpu: '250m', memory: '64Mi' }, { cpu: '250m' }), pod({ memory: '1Gi' }), pod()],
    );
    expect(s).toEqual({
      allocatablePods: 220,
      allocatedPods: 3,
      readyNodes: 2,
      allocatable: { cpu: '6500m', memory: '16Gi', pods: '220' },
      allocated: { cpu: '500m', memory: '1088Mi', pods: '3' },
    });
  });
});

describe('leaseSummary (pull clusters)', () => {
  it('carries cpu/memory totals the agent reports, and drops malformed ones', () => {
    const lease = (summary: unknown): Lease => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: 'p1',
        namespace: 'fed-es-p1',
        annotations: { [ANNOTATION_LEASE_RESOURCE_SUMMARY]: JSON.stringify(summary) },
      },
      spec: {},
    });
    const base = { allocatablePods: 110, allocatedPods: 3, readyNodes: 1 };
    const full = {
      ...base,
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      allocated: { cpu: '100m', memory: '0', pods: '3' },
    };
    expect(leaseSummary(lease(full)).summary).toEqual(full);
    expect(leaseSummary(lease({ ...base, allocatable: { cpu: 4 } })).summary).toEqual(base);
  });
});
