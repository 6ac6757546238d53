/** Waiting for a PromotionRequest to finish while showing its progress (`--wait`, `wait NAME`). */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResourceClient } from '../../machinery/client/kube-client.js';
import type { PromotionRequest } from '../apis/registry-types.js';
import type { CopyProgressReporter } from './copy-progress.js';

/** Phases after which nothing more happens to a request. */
export const FINAL_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Rejected']);

/** Options for {@link waitForPromotion}. */
export interface WaitOptions {
  /** Give up after this long. @defaultValue 600000 */
  timeoutMs?: number;
  /** Time between reads of the request. @defaultValue 300 (the replicator writes progress every 300 ms) */
  pollMs?: number;
  /** Clock and delay (tests). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Reads the request until its phase is final, feeding every version to `reporter`. Resolves to
 * the last version seen and whether it finished (false: timed out).
 * @throws what reading the request throws (NotFound when it was deleted)
 */
export async function waitForPromotion(
  prs: ResourceClient<PromotionRequest>,
  name: string,
  reporter: CopyProgressReporter,
  opts: WaitOptions = {},
): Promise<{ request: PromotionRequest; finished: boolean }> {
  const now = opts.now ?? Date.now;
  const delay = opts.sleep ?? ((ms: number) => sleep(ms).then(() => undefined));
  const deadline = now() + (opts.timeoutMs ?? 600_000);
  try {
    for (;;) {
      const pr = await prs.get(name);
      reporter.update(pr);
      if (FINAL_PHASES.has(pr.status?.phase ?? '')) return { request: pr, finished: true };
      if (now() >= deadline) return { request: pr, finished: false };
      await delay(opts.pollMs ?? 300);
    }
  } finally {
    reporter.stop();
  }
}
