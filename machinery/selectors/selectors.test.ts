import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors/index.js';
import { labelSelectorFromObject, parseFieldSelector, parseLabelSelector } from './index.js';

describe('parseLabelSelector', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/team': 'a' };
  it.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=db', false],
    ['app in (db, web)', true],
    ['app notin (web)', false],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['missing!=x', true],
    ['app=web,tier in (front),example.com/team=a', true],
    ['app=web,tier=back', false],
  ])('%s → %s', (sel, want) => {
    expect(parseLabelSelector(sel).matches(labels)).toBe(want);
  });
  it.each([
    'app=',
    'a==b==c',
    '=x',
    'app in ()',
    'app in (a',
    'bad key=x',
    'a=b,,c=d',
    'app=-bad-',
  ])('rejects %j with BadRequestError', (sel) => {
    if (sel === 'app=') {
      // empty value is legal in Kubernetes
      expect(parseLabelSelector(sel).matches({ app: '' })).toBe(true);
      return;
    }
    expect(() => parseLabelSelector(sel)).toThrow(BadRequestError);
  });
  it('round-trips toString', () => {
    expect(parseLabelSelector('a=b, c in (x,y),!d').toString()).toBe('a=b,c in (x,y),!d');
  });
  it('converts object selectors', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }],
    });
    expect(sel.matches(labels)).toBe(true);
    expect(sel.matches({ app: 'web' })).toBe(false);
    expect(() =>
      labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] }),
    ).toThrow(BadRequestError);
  });
});

describe('parseFieldSelector', () => {
  it('matches = and !=', () => {
    const f = parseFieldSelector('metadata.name=a,spec.nodeName!=n1');
    expect(f.matches({ 'metadata.name': 'a', 'spec.nodeName': 'n2' })).toBe(true);
    expect(f.matches({ 'metadata.name': 'a', 'spec.nodeName': 'n1' })).toBe(false);
    expect(parseFieldSelector('spec.nodeName=').matches({})).toBe(true);
  });
  it('rejects garbage', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(BadRequestError);
  });
});
