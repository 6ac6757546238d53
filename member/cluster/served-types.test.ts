import { describe, expect, it } from 'vitest';
import type { ResourceType } from '../../machinery/resource-type.js';
import type { Service } from '../../api/index.js';
import { ClusterIpAllocator } from './cluster-ip-allocator.js';
import { NodePortAllocator } from './node-port-allocator.js';
import { servedTypes } from './served-types.js';

/** Runs the Service strategy as the generic registry does: defaults, then validate. */
function write(rt: ResourceType, s: Service, old?: Service): { obj: Service; causes: number } {
  const obj = structuredClone(s);
  rt.defaults?.(obj);
  return { obj, causes: (rt.validate?.(obj, old) ?? []).length };
}

const svc = (name: string, port = 80, clusterIP?: string): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ port }], ...(clusterIP ? { clusterIP } : {}) },
});

function setup(): { alloc: ClusterIpAllocator; rt: ResourceType } {
  const alloc = new ClusterIpAllocator();
  const rt = servedTypes(alloc).find((t) => t.plural === 'services');
  if (!rt) throw new Error('no services type');
  return { alloc, rt };
}

describe('servedTypes: Service ClusterIPs', () => {
  it('releases the address of a create refused by validation', () => {
    const { alloc, rt } = setup();
    const bad = write(rt, svc('web', 70_000));
    expect(bad.causes).toBeGreaterThan(0);
    expect(alloc.isUsed(bad.obj.spec.clusterIP ?? '')).toBe(false);
    const badName = write(rt, svc('Not_A_Name'));
    expect(alloc.isUsed(badName.obj.spec.clusterIP ?? '')).toBe(false);
    const ok = write(rt, svc('web'));
    expect(ok.causes).toBe(0);
    expect(alloc.isUsed(ok.obj.spec.clusterIP ?? '')).toBe(true);
    expect(alloc.size).toBe(1);
  });

  it('keeps a user-chosen address taken by another Service when the create is refused', () => {
    const { alloc, rt } = setup();
    const first = write(rt, svc('a'));
    const ip = first.obj.spec.clusterIP ?? '';
    write(rt, svc('b', 70_000, ip));
    expect(alloc.isUsed(ip)).toBe(true);
  });

  it('keeps the old address on an update without spec.clusterIP', () => {
    const { alloc, rt } = setup();
    const created = write(rt, svc('web')).obj;
    const updated = write(rt, svc('web', 81), created);
    expect(updated.causes).toBe(0);
    expect(updated.obj.spec.clusterIP).toBe(created.spec.clusterIP);
    expect(alloc.size).toBe(1);
  });
});

describe('servedTypes: Service node ports', () => {
  const nodePortSvc = (name: string, nodePort?: number): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: {
      type: 'NodePort',
      ports: [{ name: 'http', port: 80, ...(nodePort !== undefined ? { nodePort } : {}) }],
    },
  });
  function setupPorts(): { ports: NodePortAllocator; rt: ResourceType } {
    const ports = new NodePortAllocator({ range: '30000-30010' });
    const rt = servedTypes(new ClusterIpAllocator(), ports).find((t) => t.plural === 'services');
    if (!rt) throw new Error('no services type');
    return { ports, rt };
  }

  it('allocates a node port, keeps it on update and refuses a taken or out-of-range one', () => {
    const { ports, rt } = setupPorts();
    const a = write(rt, nodePortSvc('a'));
    expect(a.causes).toBe(0);
    expect(a.obj.spec.ports?.[0]?.nodePort).toBe(30000);
    const again = write(rt, nodePortSvc('a'), a.obj);
    expect(again.obj.spec.ports?.[0]?.nodePort).toBe(30000);
    expect(ports.size).toBe(1);
    expect(write(rt, nodePortSvc('b', 30000)).causes).toBe(1);
    expect(write(rt, nodePortSvc('b', 31000)).causes).toBe(1);
    const chosen = write(rt, nodePortSvc('b', 30005));
    expect(chosen.causes).toBe(0);
    expect(ports.ownerOf(30005)).toBe('default/b');
  });

  it('gives ClusterIP Services no node port and returns the ports of a refused write', () => {
    const { ports, rt } = setupPorts();
    const plain = write(rt, {
      ...nodePortSvc('c', 30001),
      spec: { ...nodePortSvc('c').spec, type: 'ClusterIP' },
    });
    expect(plain.obj.spec.ports?.[0]?.nodePort).toBeUndefined();
    const bad = nodePortSvc('Not_A_Name');
    expect(write(rt, bad).causes).toBe(0); // the name is checked by the registry, after validate
    const refused = nodePortSvc('d');
    refused.spec.ports = [{ name: 'x', port: 70_000 }];
    expect(write(rt, refused).causes).toBeGreaterThan(0);
    expect(ports.size).toBe(0);
  });
});
