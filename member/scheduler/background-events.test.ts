// The scheduler's background event writes: bounded writers, a bounded queue that drops beyond.
import { describe, expect, it } from 'vitest';
import { BackgroundEvents } from './background-events.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('BackgroundEvents', () => {
  it('writes with at most `writers` in flight, drops beyond `maxQueued` and drains', async () => {
    const ev = new BackgroundEvents({ writers: 1, maxQueued: 1, logger: quiet });
    const written: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const write = (name: string) => async (): Promise<void> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      written.push(name);
      inFlight--;
    };
    ev.emit(write('a')); // written at once
    ev.emit(write('b')); // waits
    ev.emit(write('c')); // queue full: dropped
    await ev.drained();
    expect(written).toEqual(['a', 'b']);
    expect(ev.dropped).toBe(1);
    expect(maxInFlight).toBe(1);
  });
});
