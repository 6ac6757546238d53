import { describe, expect, it } from 'vitest';
import { FieldPathSyntaxError } from './interpreter-errors.js';
import { fieldPathProblem, parseFieldPath, readPath, writePath } from './field-path.js';

const read = (obj: unknown, p: string): unknown[] => readPath(obj, parseFieldPath(p));

describe('parseFieldPath', () => {
  it('parses names, indexes, [*] and quoted keys', () => {
    const p = parseFieldPath(".spec.containers[0].env[*]['a.b/c'].x-y_z");
    expect(p.segments).toEqual([
      { type: 'key', key: 'spec' },
      { type: 'key', key: 'containers' },
      { type: 'index', index: 0 },
      { type: 'key', key: 'env' },
      { type: 'all' },
      { type: 'key', key: 'a.b/c' },
      { type: 'key', key: 'x-y_z' },
    ]);
    expect(p.wildcard).toBe(true);
    expect(parseFieldPath('.spec.replicas').wildcard).toBe(false);
  });

  it.each([
    ['', /empty path/],
    ['spec.replicas', /at 0: unexpected "s"/],
    ['.spec..replicas', /at 5: '.' must be followed by a name/],
    ['.spec[', /'\[' without '\]'/],
    ['.a[-1]', /\[-1\] is not/],
    ['.a[01]', /\[01\] is not/],
    ['.a[?(@.x==1)]', /is not \[n\]/],
    [".a['it's']", /is not \[n\]/],
    [".a['']", /is not \[n\]/],
    ['.a b', /unexpected " "/],
    ['.a' + '.b'.repeat(200), /longer than 256/],
  ])('refuses %j', (src, msg) => {
    expect(() => parseFieldPath(src)).toThrow(FieldPathSyntaxError);
    expect(fieldPathProblem(src)).toMatch(msg);
  });

  it('says a non-string is no path', () => {
    expect(fieldPathProblem(3)).toBe('must be a string');
    expect(fieldPathProblem('.ok')).toBeUndefined();
  });
});

describe('readPath', () => {
  const obj = {
    spec: {
      replicas: 3,
      containers: [{ r: { cpu: '1' } }, { r: { cpu: '2' } }, { other: 1 }],
      'a.b': 'dotted',
    },
  };

  it('reads one value, every item of a list, or nothing', () => {
    expect(read(obj, '.spec.replicas')).toEqual([3]);
    expect(read(obj, '.spec.containers[1].r.cpu')).toEqual(['2']);
    expect(read(obj, '.spec.containers[*].r.cpu')).toEqual(['1', '2']);
    expect(read(obj, ".spec['a.b']")).toEqual(['dotted']);
    expect(read(obj, '.spec.containers[9]')).toEqual([]);
    expect(read(obj, '.spec.replicas.deeper')).toEqual([]);
    expect(read(obj, '.spec[0]')).toEqual([]);
  });

  it('never reaches the prototype', () => {
    expect(read(obj, '.spec.constructor')).toEqual([]);
    expect(read(obj, ".spec['__proto__']")).toEqual([]);
  });
});

describe('writePath', () => {
  it('writes, creating the missing objects and lists', () => {
    const o: Record<string, unknown> = { spec: { keep: true } };
    expect(writePath(o, parseFieldPath('.spec.scale.pods'), 2)).toBe(true);
    expect(writePath(o, parseFieldPath('.status.items[0].n'), 5)).toBe(true);
    expect(writePath(o, parseFieldPath(".metadata.annotations['x/y']"), 'v')).toBe(true);
    expect(o).toEqual({
      spec: { keep: true, scale: { pods: 2 } },
      status: { items: [{ n: 5 }] },
      metadata: { annotations: { 'x/y': 'v' } },
    });
  });

  it('refuses a value of another shape in the way, an index past the end and [*]', () => {
    const o: Record<string, unknown> = { spec: { scale: 'big', list: [] } };
    expect(writePath(o, parseFieldPath('.spec.scale.pods'), 1)).toBe(false);
    expect(writePath(o, parseFieldPath('.spec.list[3]'), 1)).toBe(false);
    expect(writePath(o, parseFieldPath('.spec.list[*]'), 1)).toBe(false);
    expect(o).toEqual({ spec: { scale: 'big', list: [] } });
  });

  it('sets a `__proto__` key as an own field, not the prototype', () => {
    const o: Record<string, unknown> = {};
    expect(writePath(o, parseFieldPath(".spec['__proto__'].polluted"), 1)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(o.spec as object, '__proto__')).toBe(true);
  });
});
