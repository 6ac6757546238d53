/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. the resolver's under the DNS bench's
 * BENCH_CPU_PROF): the functions with the most self time, and the self time grouped by where it
 * goes (idle, GC, native/libuv, the DNS wire code, the cache, the transport, Node internals).
 * Run: `npx tsx test/bench/cpu-profile-summary.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';
import { isMain } from './bench-result.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function (by name and file), ms. */
export interface SelfTime {
  fn: string;
  ms: number;
  pct: number;
}

/** Where a frame's self time is counted, by its function name and script. */
function category(fn: string, url: string): string {
  if (fn === '(idle)') return 'idle (waiting in epoll)';
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return '(program): native, outside JS (libuv, syscalls)';
  if (url === '') return 'native builtins (send, Buffer, Map)';
  if (url.startsWith('node:')) return 'Node internals (dgram, events, timers)';
  if (url.includes('/dns/wire/')) return 'DNS wire (parse, replay, encode)';
  if (url.includes('/dns/resolver/')) return 'resolver (cache, upstream, routes)';
  if (url.includes('/dns/')) return 'other DNS code';
  return 'other (dependencies)';
}

/** Self time per function and per category of `profile`, each sorted by time, largest first. */
export function summarise(profile: CpuProfile): {
  totalMs: number;
  functions: SelfTime[];
  categories: SelfTime[];
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const fns = new Map<string, number>();
  const cats = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of self) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const file = f.url.replace(/^.*\/(dist|node_modules)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${file}:${String(f.lineNumber + 1)}`;
    fns.set(key, (fns.get(key) ?? 0) + ms);
    const c = category(f.functionName, f.url);
    cats.set(c, (cats.get(c) ?? 0) + ms);
    totalMs += ms;
  }
  const sorted = (m: Map<string, number>): SelfTime[] =>
    [...m].map(([fn, ms]) => ({ fn, ms, pct: (100 * ms) / totalMs })).sort((a, b) => b.ms - a.ms);
  return { totalMs, functions: sorted(fns), categories: sorted(cats) };
}

if (isMain(import.meta.url)) {
  const [file, top = '25'] = process.argv.slice(2);
  if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [top]');
  const s = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const line = (t: SelfTime): string =>
    `${t.pct.toFixed(1).padStart(5)} % ${t.ms.toFixed(0).padStart(7)} ms  ${t.fn}`;
  console.log(`total ${s.totalMs.toFixed(0)} ms of samples\n-- by category`);
  for (const c of s.categories) console.log(line(c));
  console.log('-- top functions by self time');
  for (const f of s.functions.slice(0, Number(top))) console.log(line(f));
}
