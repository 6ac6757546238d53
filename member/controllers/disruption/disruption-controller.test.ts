import { afterEach, describe, expect, it } from 'vitest';
import { PODDISRUPTIONBUDGETS, PODS, type PodDisruptionBudget } from '../../../api/index.js';
import { startFixture, type Fixture, type FixtureSeed } from '../testing/fixture.js';
import { pod } from '../testing/objects.js';
import { DisruptionController } from './disruption-controller.js';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function run(seed: FixtureSeed) {
  const f = await startFixture(seed, (ctx) => new DisruptionController(ctx), [
    { gvr: PODDISRUPTIONBUDGETS },
    { gvr: PODS },
  ]);
  fx = f;
  await f.controller.reconcile('default/web');
  return f.client.actions;
}

const pdb = (spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']) =>
  ({
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'default', generation: 2, resourceVersion: '7' },
    spec,
    ...(status ? { status } : {}),
  }) as PodDisruptionBudget;

describe('DisruptionController', () => {
  it('counts selected Ready pods and writes status with the condition', async () => {
    const actions = await run([
      [PODDISRUPTIONBUDGETS, [pdb({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } })]],
      [
        PODS,
        [
          pod('web-a', 'web', { ready: true }),
          pod('web-b', 'web', { ready: true }),
          pod('web-c', 'web', { ready: true }),
          pod('web-d', 'web', { ready: false }),
          pod('db', 'db', { ready: true }),
        ],
      ],
    ]);
    expect(actions.map((a) => `${a.verb} ${a.resource} ${a.name}`)).toEqual([
      'updateStatus policy/poddisruptionbudgets web',
    ]);
    const st = (actions[0]?.body as PodDisruptionBudget).status;
    expect(st).toMatchObject({
      expectedPods: 4,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
      observedGeneration: 2,
    });
    expect(st?.conditions?.[0]).toMatchObject({
      type: 'DisruptionAllowed',
      status: 'True',
      reason: 'SufficientPods',
    });
  });

  it('keeps a just-evicted pod out of currentHealthy until it is deleting', async () => {
    const actions = await run([
      [
        PODDISRUPTIONBUDGETS,
        [
          pdb(
            { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } },
            { disruptedPods: { 'web-a': '2026-01-01T00:09:59Z' }, disruptionsAllowed: 0 },
          ),
        ],
      ],
      [PODS, [pod('web-a', 'web', { ready: true }), pod('web-b', 'web', { ready: true })]],
    ]);
    const st = (actions[0]?.body as PodDisruptionBudget).status;
    expect(st).toMatchObject({
      expectedPods: 2,
      currentHealthy: 1,
      desiredHealthy: 1,
      disruptionsAllowed: 0,
      disruptedPods: { 'web-a': '2026-01-01T00:09:59Z' },
    });
    expect(st?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
  });

  it('does nothing for a missing budget', async () => {
    expect(await run([[PODS, [pod('web-a', 'web', { ready: true })]]])).toEqual([]);
  });
});
