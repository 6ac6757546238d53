import { describe, expect, it } from 'vitest';
import { captureDeps } from '../../machinery/cmd/testing.js';
import { resolveOptions } from './options.js';
import { clusterOptions, parseMemberArgs, runMember } from './run-member.js';

describe('member command', () => {
  it('parses flags into options', () => {
    const p = parseMemberArgs([
      '--name',
      'm2',
      '--etcd',
      'http://127.0.0.1:1',
      '--nodes',
      '3',
      '--runtime',
      'hollow',
      '--node-ip-prefix',
      '127.0.7.',
      '--controllers',
      '*,-garbagecollector',
      '--verbose',
    ]);
    expect(p).toMatchObject({
      name: 'm2',
      nodes: 3,
      runtime: 'hollow',
      nodeIpPrefix: '127.0.7.',
      controllers: '*,-garbagecollector',
      verbose: true,
    });
    const c = clusterOptions(resolveOptions(p), undefined);
    expect(c).toMatchObject({
      name: 'm2',
      nodes: 3,
      runtime: 'hollow',
      nodeAddressPrefix: '127.0.7.',
      nodeLifecycle: { gracePeriodMs: 40_000, evictionTimeoutMs: 300_000 },
    });
  });

  it('exits 2 listing every invalid flag, and on unknown flags', async () => {
    const c = captureDeps();
    expect(await runMember(['--nodes=-1', '--runtime', 'x'], c.deps)).toBe(2);
    const text = c.err.join('');
    for (const f of ['--name', '--etcd', '--nodes', '--runtime']) expect(text).toContain(`${f}:`);
    const d = captureDeps();
    expect(await runMember(['--bogus'], d.deps)).toBe(2);
    expect(d.err.join('')).toContain('bogus');
  });

  it('prints usage for --help', async () => {
    const c = captureDeps();
    expect(await runMember(['--help'], c.deps)).toBe(0);
    expect(c.out.join('')).toContain('usage: member');
  });
});
