import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../machinery/client/kube-client.js';
import type { KubeObject } from '../machinery/meta.js';
import { EventRecorder } from './event-recorder.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const obj: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', uid: 'u' },
};

function fixture(): { rec: EventRecorder; calls: string[]; tick: (ms: number) => void } {
  const calls: string[] = [];
  let t = Date.parse('2026-01-01T00:00:00Z');
  const client = {
    resource: (_g: unknown, ns: string) => ({
      create: (e: { reason: string; message: string; count: number }) => {
        calls.push(`create ${ns} ${e.reason} ${e.message} ${String(e.count)}`);
        return Promise.resolve(e);
      },
      patch: (name: string, p: { count: number; lastTimestamp: string }) => {
        calls.push(`patch ${name.split('.')[0] ?? ''} count=${String(p.count)} ${p.lastTimestamp}`);
        return Promise.resolve({});
      },
    }),
  } as unknown as KubeClient;
  const rec = new EventRecorder({ client, component: 'c', logger: quiet, now: () => new Date(t) });
  return { rec, calls, tick: (ms) => (t += ms) };
}

describe('EventRecorder', () => {
  it('aggregates a repeat of the same reason and message into count and lastTimestamp', async () => {
    const { rec, calls, tick } = fixture();
    await rec.event(obj, 'Warning', 'Failed', 'boom');
    tick(1000);
    await rec.event(obj, 'Warning', 'Failed', 'boom');
    await rec.event(obj, 'Warning', 'Failed', 'other');
    expect(calls).toEqual([
      'create ns Failed boom 1',
      'patch web count=2 2026-01-01T00:00:01.000Z',
      'create ns Failed other 1',
    ]);
  });

  it('starts a new Event once the 10-minute window has passed', async () => {
    const { rec, calls, tick } = fixture();
    await rec.event(obj, 'Normal', 'Ok', 'fine');
    tick(11 * 60_000);
    await rec.event(obj, 'Normal', 'Ok', 'fine');
    expect(calls).toEqual(['create ns Ok fine 1', 'create ns Ok fine 1']);
  });

  it('records events of cluster-scoped objects in default', async () => {
    const { rec, calls } = fixture();
    await rec.event({ ...obj, kind: 'Cluster', metadata: { name: 'c1' } }, 'Normal', 'R', 'm');
    expect(calls).toEqual(['create default R m 1']);
  });

  it('writes unawaited events about one object in the order recorded; written() waits for them', async () => {
    const created: string[] = [];
    const client = {
      resource: () => ({
        create: async (e: { reason: string; involvedObject: { name: string } }) => {
          // the first write is the slowest: without ordering it would land last
          await new Promise((r) => setTimeout(r, e.reason === 'First' ? 30 : 1));
          created.push(`${e.involvedObject.name} ${e.reason}`);
          return e;
        },
      }),
    } as unknown as KubeClient;
    const rec = new EventRecorder({ client, component: 'c', logger: quiet, now: () => new Date() });
    const other = { ...obj, metadata: { ...obj.metadata, name: 'db', uid: 'v' } };
    void rec.event(obj, 'Normal', 'First', 'm');
    void rec.event(obj, 'Normal', 'Second', 'm');
    void rec.event(other, 'Normal', 'Other', 'm');
    await rec.written();
    // another object's write does not wait behind web's
    expect(created).toEqual(['db Other', 'web First', 'web Second']);
  });
});
