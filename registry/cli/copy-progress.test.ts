import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ResourceClient } from '../../machinery/client/kube-client.js';
import type { PromotionRequest } from '../apis/registry-types.js';
import { CopyProgressReporter, formatSize, progressLine } from './copy-progress.js';
import { waitForPromotion } from './wait-for-promotion.js';

const pr = (
  phase: NonNullable<PromotionRequest['status']>['phase'],
  progress?: { blobsTotal: number; blobsDone: number; blobsSkipped: number; bytesDone: number },
  message?: string,
): PromotionRequest =>
  ({
    apiVersion: 'registry.flotilla.io/v1alpha1',
    kind: 'PromotionRequest',
    metadata: { name: 'promo-1' },
    spec: {},
    status: { phase, ...(progress ? { progress } : {}), ...(message ? { message } : {}) },
  }) as PromotionRequest;

const MiB = 1024 ** 2;
const sequence = [
  pr('Pending'),
  pr('Approved'),
  pr('Copying', { blobsTotal: 4, blobsDone: 0, blobsSkipped: 1, bytesDone: 0 }),
  pr('Copying', { blobsTotal: 4, blobsDone: 1, blobsSkipped: 1, bytesDone: 8 * MiB }),
  pr('Copying', { blobsTotal: 4, blobsDone: 1, blobsSkipped: 1, bytesDone: 8 * MiB }),
  pr(
    'Succeeded',
    { blobsTotal: 4, blobsDone: 3, blobsSkipped: 1, bytesDone: 12.5 * MiB },
    'copied',
  ),
];

function fakeRequests(versions: PromotionRequest[]): ResourceClient<PromotionRequest> {
  let i = 0;
  return {
    get: () => Promise.resolve(versions[Math.min(i++, versions.length - 1)] as PromotionRequest),
  } as unknown as ResourceClient<PromotionRequest>;
}

describe('copy progress', () => {
  it('formats sizes and lines', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(1536)).toBe('1.5 KiB');
    expect(formatSize(8 * MiB)).toBe('8.0 MiB');
    expect(formatSize(3 * 1024 * MiB)).toBe('3.0 GiB');
    expect(progressLine({ blobsTotal: 4, blobsDone: 2, blobsSkipped: 0, bytesDone: 8 * MiB })).toBe(
      'copied layer 2/4 (8.0 MiB)',
    );
  });

  it('prints plain lines without a terminal, once per change', async () => {
    let out = '';
    const reporter = new CopyProgressReporter({ out: (s) => (out += s) });
    const r = await waitForPromotion(fakeRequests(sequence), 'promo-1', reporter, {
      sleep: () => Promise.resolve(),
    });
    expect(r.finished).toBe(true);
    expect(out).toBe(
      [
        'promotionrequest/promo-1 Pending',
        'promotionrequest/promo-1 Approved',
        'copied layer 1/4 (0 B, 1 already there)',
        'promotionrequest/promo-1 Copying',
        'copied layer 2/4 (8.0 MiB, 1 already there)',
        'copied layer 4/4 (12.5 MiB, 1 already there)',
        'promotionrequest/promo-1 Succeeded: copied',
        '',
      ].join('\n'),
    );
  });

  it('draws a bar on a terminal', async () => {
    let drawn = '';
    const tty = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          drawn += chunk.toString();
          cb();
        },
      }),
      {
        isTTY: true,
        columns: 100,
        cursorTo: () => true,
        clearLine: () => true,
        moveCursor: () => true,
      },
    );
    let out = '';
    const reporter = new CopyProgressReporter({ out: (s) => (out += s), tty });
    await waitForPromotion(fakeRequests(sequence), 'promo-1', reporter, {
      sleep: () => Promise.resolve(),
    });
    expect(drawn).toContain('copying [====='); // starts at 1/4
    expect(drawn).toContain('] 1/4 layers | 0 B');
    expect(drawn).toContain(`copying [${'='.repeat(40)}] 4/4 layers | 12.5 MiB`);
    expect(out).not.toContain('copied layer');
    expect(out).toContain('promotionrequest/promo-1 Succeeded: copied\n');
  });

  it('stops at the timeout', async () => {
    let t = 0;
    const reporter = new CopyProgressReporter({ out: () => undefined });
    const r = await waitForPromotion(fakeRequests([pr('Pending')]), 'promo-1', reporter, {
      timeoutMs: 1000,
      now: () => t,
      sleep: (ms) => {
        t += ms;
        return Promise.resolve();
      },
    });
    expect(r.finished).toBe(false);
    expect(r.request.status?.phase).toBe('Pending');
  });
});
