import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../meta.js';
import { WrittenObjects } from './written-objects.js';

const at = (rv: string, note = ''): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'x', resourceVersion: rv },
  data: { note },
});

describe('WrittenObjects', () => {
  it('answers what was written while the informer still holds the version it replaced', () => {
    const w = new WrittenObjects<KubeObject>();
    expect(w.latest('k', at('1'))).toEqual(at('1'));
    w.wrote('k', at('1'), at('2', 'mine'));
    expect(w.latest('k', at('1'))).toEqual(at('2', 'mine'));
    // the informer caught up: its copy again, and the entry is gone
    expect(w.latest('k', at('2', 'mine'))).toEqual(at('2', 'mine'));
    expect(w.size).toBe(0);
    expect(w.latest('k', at('1'))).toEqual(at('1'));
  });

  it('follows a row of writes, each over the last, while the informer lags behind them all', () => {
    const w = new WrittenObjects<KubeObject>();
    w.wrote('k', at('1'), at('2'));
    w.wrote('k', at('2'), at('3', 'second'));
    expect(w.latest('k', at('1'))).toEqual(at('3', 'second'));
    expect(w.latest('k', at('2'))).toEqual(at('3', 'second'));
    // someone else's later version (or none at all) ends it
    expect(w.latest('k', at('7', 'theirs'))).toEqual(at('7', 'theirs'));
    w.wrote('k', at('7'), at('8'));
    expect(w.latest('k', undefined)).toBeUndefined();
    expect(w.size).toBe(0);
  });

  it('starts the row again after a write over a version it did not write, and forgets on demand', () => {
    const w = new WrittenObjects<KubeObject>();
    w.wrote('k', at('1'), at('2'));
    // written over a fresh read (after a conflict): the informer's old version no longer counts
    w.wrote('k', at('5'), at('6'));
    expect(w.latest('k', at('1'))).toEqual(at('1'));
    w.wrote('k', at('6'), at('7'));
    w.forget('k');
    expect(w.latest('k', at('6'))).toEqual(at('6'));
    // a no-op answer (same version) records nothing
    w.wrote('k', at('6'), at('6'));
    expect(w.size).toBe(0);
  });
});
