import { describe, expect, it } from 'vitest';
import type { KubeClient, ResourceClient } from '../../machinery/client/kube-client.js';
import {
  ConflictError,
  InternalError,
  NotFoundError,
  TimeoutError,
} from '../../machinery/errors/index.js';
import type { KubeObject } from '../../machinery/meta.js';
import { MemberUnavailableError } from './errors/index.js';
import { GuardedMemberClient, isMemberFailure, memberBreaker } from './guarded-member-client.js';

const CM = { group: '', version: 'v1', resource: 'configmaps' };

/** A member whose `get` answers from `script` (an error is thrown), counting the calls. */
function fakeMember(script: () => unknown): KubeClient & { server: string; calls: number } {
  const m = {
    server: 'https://127.0.0.1:1',
    calls: 0,
    resource: () =>
      ({
        get: (name: string) => {
          m.calls++;
          const r = script();
          return r instanceof Error
            ? Promise.reject(r)
            : Promise.resolve({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
        },
        watch: () => ({ stop: () => undefined, [Symbol.asyncIterator]: () => undefined }),
      }) as unknown as ResourceClient<KubeObject>,
  };
  return m as KubeClient & { server: string; calls: number };
}

describe('GuardedMemberClient', () => {
  it('opens after consecutive failures and then fails at once with a retryable 503', async () => {
    const member = fakeMember(() => new InternalError('connect ECONNREFUSED'));
    const c = new GuardedMemberClient(
      'm3',
      member,
      memberBreaker({ failureThreshold: 3, halfOpenAfterMs: 60_000 }),
    );
    for (let i = 0; i < 3; i++) {
      await expect(c.resource(CM, 'ns').get('a')).rejects.toThrow(InternalError);
    }
    expect(c.state).toBe('open');
    const err = await c
      .resource(CM, 'ns')
      .get('a')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MemberUnavailableError);
    expect((err as MemberUnavailableError).retryable).toBe(true);
    expect((err as MemberUnavailableError).code).toBe(503);
    expect((err as MemberUnavailableError).cluster).toBe('m3');
    expect(member.calls).toBe(3); // the fourth call never reached the member
  });

  it('answers of a working member (4xx) never open it', async () => {
    let n = 0;
    const member = fakeMember(() =>
      n++ % 2 === 0 ? new NotFoundError('configmaps "a" not found') : new ConflictError('stale'),
    );
    const c = new GuardedMemberClient('m1', member, memberBreaker({ failureThreshold: 2 }));
    for (let i = 0; i < 6; i++) await expect(c.resource(CM, 'ns').get('a')).rejects.toThrow();
    expect(c.state).toBe('closed');
    expect(member.calls).toBe(6);
  });

  it('lets a trial call through after the half-open delay and closes on success', async () => {
    let down = true;
    const member = fakeMember(() => (down ? new TimeoutError('no response within 10 ms') : 'ok'));
    const c = new GuardedMemberClient(
      'm3',
      member,
      memberBreaker({ failureThreshold: 2, halfOpenAfterMs: 30 }),
    );
    await expect(c.resource(CM).get('a')).rejects.toThrow(TimeoutError);
    await expect(c.resource(CM).get('a')).rejects.toThrow(TimeoutError);
    await expect(c.resource(CM).get('a')).rejects.toThrow(MemberUnavailableError);
    down = false;
    await new Promise((r) => setTimeout(r, 40));
    await expect(c.resource(CM).get('a')).resolves.toMatchObject({ metadata: { name: 'a' } });
    expect(c.state).toBe('closed');
    await expect(c.resource(CM).get('b')).resolves.toMatchObject({ metadata: { name: 'b' } });
  });

  it('a failed trial opens it again', async () => {
    const member = fakeMember(() => new InternalError('HTTP 503'));
    const c = new GuardedMemberClient(
      'm3',
      member,
      memberBreaker({ failureThreshold: 1, halfOpenAfterMs: 20 }),
    );
    await expect(c.resource(CM).get('a')).rejects.toThrow(InternalError);
    await new Promise((r) => setTimeout(r, 30));
    await expect(c.resource(CM).get('a')).rejects.toThrow(InternalError); // the trial
    expect(c.state).toBe('open');
    await expect(c.resource(CM).get('a')).rejects.toThrow(MemberUnavailableError);
    expect(member.calls).toBe(2);
  });

  it('does not guard watches (informers retry them themselves)', () => {
    const member = fakeMember(() => 'ok');
    const c = new GuardedMemberClient('m1', member, memberBreaker());
    expect(c.resource(CM).watch()).toHaveProperty('stop');
    expect(c.server).toBe('https://127.0.0.1:1');
  });

  it('counts transport errors, timeouts and 5xx as member failures', () => {
    expect(isMemberFailure(new Error('socket hang up'))).toBe(true);
    expect(isMemberFailure(new InternalError('x'))).toBe(true);
    expect(isMemberFailure(new TimeoutError('x'))).toBe(true);
    expect(isMemberFailure(new NotFoundError('x'))).toBe(false);
    expect(isMemberFailure(new MemberUnavailableError('m'))).toBe(false);
  });
});
