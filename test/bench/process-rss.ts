/**
 * Resident set sizes of the local federation's processes (VmRSS from /proc/<pid>/status), as
 * bench lines next to the RSS of the same cluster's etcd (measured at the same moment).
 */
import { readFileSync } from 'node:fs';
import type { LocalFederation } from '../../hack/lib/local-federation.js';
import type { BenchResult } from './bench-result.js';

/** VmRSS of a process in MiB; 0 when it is gone or unreadable. */
export function rssMiB(pid: number | null | undefined): number {
  if (pid === null || pid === undefined) return 0;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const line = (name: string, ours: number, etcd: number): BenchResult => ({
  name,
  unit: 'MiB',
  ours,
  reference: etcd,
  referenceName: 'its etcd RSS',
  ratio: etcd > 0 ? ours / etcd : 0,
});

/**
 * The federation API server and controller manager one line each; each member one line with the
 * sum of its processes (API server, controller manager, kubelets, cluster DNS). Every process's
 * own figure goes to stderr.
 */
export function rssResults(local: LocalFederation): BenchResult[] {
  const procs = local.supervisor.list().map((p) => ({ ...p, rss: rssMiB(p.pid) }));
  for (const p of procs) {
    process.stderr.write(`rss ${p.name.padEnd(36)} ${p.rss.toFixed(1).padStart(8)} MiB\n`);
  }
  const etcdNames = new Set([
    ...local.federation.etcd.members,
    ...local.members.flatMap((m) => m.etcd.members),
  ]);
  const etcdOf = (group: string): number =>
    procs.filter((p) => p.group === group && etcdNames.has(p.name)).reduce((s, p) => s + p.rss, 0);
  const components = (group: string): typeof procs =>
    procs.filter((p) => p.group === group && !etcdNames.has(p.name));
  const fedEtcd = etcdOf('federation');
  const out: BenchResult[] = components('federation').map((p) =>
    line(`RSS ${p.name}`, p.rss, fedEtcd),
  );
  for (const m of local.members) {
    const mine = components(m.name);
    out.push(
      line(
        `RSS ${m.name} (${String(mine.length)} processes)`,
        mine.reduce((s, p) => s + p.rss, 0),
        etcdOf(m.name),
      ),
    );
  }
  return out;
}

/** utime + stime of a process in ms (from /proc/<pid>/stat); 0 when it is gone or unreadable. */
function cpuMs(pid: number | null): number {
  if (pid === null) return 0;
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 (utime, stime) in clock ticks; after the comm field they are 11th and 12th
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/**
 * Starts a CPU-time sample of every supervised process; the returned function writes, to stderr,
 * each process's CPU time since then (and the sum against the wall time), busiest first.
 */
export function cpuSample(local: LocalFederation): () => void {
  const t0 = performance.now();
  const before = new Map(local.supervisor.list().map((p) => [p.name, cpuMs(p.pid)]));
  return () => {
    const wall = performance.now() - t0;
    const used = local.supervisor
      .list()
      .map((p) => ({ name: p.name, ms: cpuMs(p.pid) - (before.get(p.name) ?? 0) }))
      .sort((a, b) => b.ms - a.ms);
    const total = used.reduce((s, u) => s + u.ms, 0);
    process.stderr.write(
      `cpu during propagation: ${total.toFixed(0)} ms in ${wall.toFixed(0)} ms wall (${(total / wall).toFixed(2)} cores)\n`,
    );
    for (const u of used) {
      process.stderr.write(`cpu ${u.name.padEnd(36)} ${u.ms.toFixed(0).padStart(8)} ms\n`);
    }
  };
}
