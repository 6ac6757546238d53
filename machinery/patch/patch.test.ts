import { describe, expect, it } from 'vitest';
import { BadRequestError, InvalidError } from '../errors/index.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './index.js';

describe('merge patch (RFC 7386)', () => {
  it('merges maps, deletes nulls, replaces lists', () => {
    expect(
      applyMergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null, e: 4 }, l: [3] }),
    ).toEqual({
      a: 1,
      b: { d: 3, e: 4 },
      l: [3],
    });
  });
});

describe('json patch (RFC 6902)', () => {
  it('applies add/replace/remove/move/copy/test', () => {
    const doc = { spec: { replicas: 1, list: ['a', 'b'] } };
    const out = applyJsonPatch(doc, [
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/spec/list/-', value: 'c' },
      { op: 'remove', path: '/spec/list/0' },
      { op: 'copy', from: '/spec/replicas', path: '/spec/copy' },
      { op: 'move', from: '/spec/copy', path: '/spec/moved' },
      { op: 'test', path: '/spec/moved', value: 3 },
    ]);
    expect(out).toEqual({ spec: { replicas: 3, list: ['b', 'c'], moved: 3 } });
    expect(doc.spec.replicas).toBe(1);
  });
  it('fails cleanly', () => {
    expect(() => applyJsonPatch({}, [{ op: 'replace', path: '/nope', value: 1 }])).toThrow(
      InvalidError,
    );
    expect(() => applyJsonPatch({}, { op: 'add' })).toThrow(BadRequestError);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(
      InvalidError,
    );
  });
});

describe('strategic merge patch', () => {
  const dep = {
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'web', image: 'a:1', env: [{ name: 'X', value: '1' }] },
            { name: 'side', image: 'b:1' },
          ],
        },
      },
    },
  };
  it('merges containers by name', () => {
    const out = applyStrategicMergePatch(dep, {
      spec: { template: { spec: { containers: [{ name: 'web', image: 'a:2' }] } } },
    }) as typeof dep;
    expect(out.spec.template.spec.containers).toEqual([
      { name: 'web', image: 'a:2', env: [{ name: 'X', value: '1' }] },
      { name: 'side', image: 'b:1' },
    ]);
  });
  it('deletes list items with $patch: delete and orders with $setElementOrder', () => {
    const out = applyStrategicMergePatch(dep, {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'side', $patch: 'delete' },
              { name: 'new', image: 'c:1' },
            ],
            '$setElementOrder/containers': [{ name: 'new' }, { name: 'web' }],
          },
        },
      },
    }) as typeof dep;
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['new', 'web']);
  });
  it('replaces lists without merge key and deletes keys with null', () => {
    expect(applyStrategicMergePatch({ a: [1, 2], b: 1, c: 2 }, { a: [3], b: null })).toEqual({
      a: [3],
      c: 2,
    });
  });
});
