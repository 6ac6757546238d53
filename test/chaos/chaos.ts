/**
 * `npm run chaos`: a hollow local federation under a steady workload and a seeded fault schedule,
 * then convergence and the invariants (see run-chaos.ts). Exit 0 when every invariant holds,
 * 1 when one is violated (the violations are printed), 2 on bad flags.
 *   npm run chaos -- [--seed N] [--members 3] [--duration 3m | --duration-s 180] [--faults a,b,...]
 *     [--converge-s 120] [--member-down-s 40] [--interval-ms 500] [--keep-state]
 * Faults: apiserver, cm-leader, member-apiserver, kubelet, cluster-dns, resolver, etcd,
 * member-down, slow-member (a member reached through a proxy that answers 2 s late, 15 s)
 * (default: all; the resolver runs only when `resolver` is among them). The seed is printed; the
 * same seed gives the same fault plan and the same sequence of workload operations (their timing
 * still varies).
 */
import { parseArgs } from 'node:util';
import { parseDuration } from '../../machinery/cmd/flags.js';
import { ALL_FAULTS, type FaultKind } from './faults.js';
import { printReport } from './report.js';
import { runChaos } from './run-chaos.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    members: { type: 'string', default: '3' },
    /** A duration (`10m`, `90s`, `1h`); `--duration-s` takes seconds. */
    duration: { type: 'string' },
    'duration-s': { type: 'string', default: '180' },
    faults: { type: 'string', default: ALL_FAULTS.join(',') },
    'converge-s': { type: 'string', default: '120' },
    'member-down-s': { type: 'string', default: '40' },
    'interval-ms': { type: 'string', default: '500' },
    'keep-state': { type: 'boolean', default: false },
  },
});
const num = (v: string | undefined, name: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`error: --${name} must be an integer in ${String(min)}..${String(max)}`);
    process.exit(2);
  }
  return n;
};
const faults = (values.faults ?? '').split(',').filter((f) => f !== '');
const unknown = faults.filter((f) => !(ALL_FAULTS as readonly string[]).includes(f));
if (unknown.length > 0) {
  console.error(`error: unknown fault(s) ${unknown.join(', ')}; known: ${ALL_FAULTS.join(', ')}`);
  process.exit(2);
}
const seed =
  values.seed === undefined
    ? Math.floor(Math.random() * 2 ** 31)
    : num(values.seed, 'seed', 0, 2 ** 32 - 1);
const report = await runChaos({
  seed,
  members: num(values.members, 'members', 1, 5),
  durationS:
    values.duration === undefined
      ? num(values['duration-s'], 'duration-s', 10, 3600)
      : num(String(parseDuration(values.duration) / 1000), 'duration (10s..1h)', 10, 3600),
  faults: faults as FaultKind[],
  convergeS: num(values['converge-s'], 'converge-s', 1, 3600),
  memberDownS: num(values['member-down-s'], 'member-down-s', 1, 600),
  intervalMs: num(values['interval-ms'], 'interval-ms', 50, 60_000),
  keepState: values['keep-state'],
});
printReport(report);
process.exit(report.ok ? 0 : 1);
