import { describe, expect, it } from 'vitest';
import { LoadBalancer, backendId } from './load-balancer.js';

const a = { ip: '127.0.9.1', port: 8080 };
const b = { ip: '127.0.9.2', port: 8080 };
const c = { ip: '127.0.9.3', port: 8080 };

describe('LoadBalancer', () => {
  it('walks the backends round robin and carries the rotation over updates', () => {
    const lb = new LoadBalancer();
    lb.update([a, b, c], undefined);
    expect([1, 2, 3, 4].map(() => lb.pick('127.0.0.1'))).toEqual([a, b, c, a]);
    lb.update([a, c], undefined);
    expect(lb.pick('127.0.0.1')).toEqual(c);
    lb.update([], undefined);
    expect(lb.pick('127.0.0.1')).toBeUndefined();
  });

  it('skips backends that already refused the connection', () => {
    const lb = new LoadBalancer();
    lb.update([a, b], undefined);
    expect(lb.pick('x', new Set([backendId(a)]))).toEqual(b);
    expect(lb.pick('x', new Set([backendId(a), backendId(b)]))).toBeUndefined();
  });

  it('keeps a client on its backend with ClientIP affinity until the timeout', () => {
    let now = 0;
    const lb = new LoadBalancer({ now: () => now });
    lb.update([a, b, c], 10_000);
    const first = lb.pick('127.0.0.5');
    const other = lb.pick('127.0.0.6');
    expect(other).not.toEqual(first);
    now = 9_000;
    expect(lb.pick('127.0.0.5')).toEqual(first); // refreshes the affinity
    now = 18_000;
    expect(lb.pick('127.0.0.5')).toEqual(first);
    now = 30_000; // idle for longer than the timeout: round robin again
    expect(lb.pick('127.0.0.5')).not.toBeUndefined();
    lb.expire();
  });

  it('moves an affine client when its backend is gone or refused', () => {
    const lb = new LoadBalancer();
    lb.update([a, b], 60_000);
    const first = lb.pick('127.0.0.5');
    expect(first).toEqual(a);
    lb.update([b], 60_000);
    expect(lb.pick('127.0.0.5')).toEqual(b);
    lb.update([a, b], 60_000);
    expect(lb.pick('127.0.0.5')).toEqual(b); // re-pinned to b
    expect(lb.pick('127.0.0.5', new Set([backendId(b)]))).toEqual(a);
  });
});
