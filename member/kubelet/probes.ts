import { request } from 'node:http';
import { connect } from 'node:net';
import type { Probe } from '../../api/index.js';

/** Where a probe connects: the pod's address and a container port (a number or a port name). */
export interface ProbeTarget {
  host: string;
  portFor(port: number | string): number | undefined;
  exec(command: string[]): Promise<number>;
}

/** Consecutive results of one probe of one container (kept by the kubelet between syncs). */
export interface ProbeCounts {
  successes: number;
  failures: number;
}

/**
 * Applies one probe result under the probe's thresholds (Kubernetes defaults: failureThreshold 3,
 * successThreshold 1): the verdict turns true after `successThreshold` consecutive successes and
 * false after `failureThreshold` consecutive failures; until then `previous` stands. Updates
 * `counts` in place.
 */
export function applyProbeResult(
  probe: Probe,
  counts: ProbeCounts,
  ok: boolean,
  previous: boolean,
): boolean {
  if (ok) {
    counts.successes++;
    counts.failures = 0;
    return counts.successes >= Math.max(1, probe.successThreshold ?? 1) ? true : previous;
  }
  counts.failures++;
  counts.successes = 0;
  return counts.failures >= Math.max(1, probe.failureThreshold ?? 3) ? false : previous;
}

/** Outcome of one probe run; `message` says why it failed (the Unhealthy event's text). */
export interface ProbeResult {
  ok: boolean;
  message?: string;
}

/** Runs one probe; resolves true on success. Never connects to container bridge IPs. */
export async function runProbe(probe: Probe, target: ProbeTarget): Promise<boolean> {
  return (await checkProbe(probe, target)).ok;
}

const failed = (message: string): ProbeResult => ({ ok: false, message });

/** Runs one probe and says why it failed, with Kubernetes' wording where there is one. */
export async function checkProbe(probe: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    const code = await Promise.race([
      target.exec(probe.exec.command),
      new Promise<number | 'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs)),
    ]);
    if (code === 0) return { ok: true };
    return failed(
      code === 'timeout'
        ? `command ${JSON.stringify(probe.exec.command)} timed out`
        : `command ${JSON.stringify(probe.exec.command)} exited with code ${String(code)}`,
    );
  }
  if (probe.httpGet) {
    const port = target.portFor(probe.httpGet.port);
    if (port === undefined) return failed(`no published port for ${String(probe.httpGet.port)}`);
    const path = probe.httpGet.path ?? '/';
    return new Promise((resolve) => {
      const req = request({ host: target.host, port, path, timeout: timeoutMs }, (res) => {
        res.resume();
        const code = res.statusCode ?? 500;
        resolve(
          code >= 200 && code < 400
            ? { ok: true }
            : failed(`HTTP probe failed with statuscode: ${String(code)}`),
        );
      });
      req.on('error', (err) =>
        resolve(failed(`Get "http://${target.host}:${String(port)}${path}": ${err.message}`)),
      );
      req.on('timeout', () => {
        req.destroy();
        resolve(
          failed(`Get "http://${target.host}:${String(port)}${path}": context deadline exceeded`),
        );
      });
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = target.portFor(probe.tcpSocket.port);
    if (port === undefined) return failed(`no published port for ${String(probe.tcpSocket.port)}`);
    const addr = `${target.host}:${String(port)}`;
    return new Promise((resolve) => {
      const s = connect({ host: target.host, port, timeout: timeoutMs }, () => {
        s.destroy();
        resolve({ ok: true });
      });
      s.on('error', (err) => resolve(failed(`dial tcp ${addr}: ${err.message}`)));
      s.on('timeout', () => {
        s.destroy();
        resolve(failed(`dial tcp ${addr}: i/o timeout`));
      });
    });
  }
  return { ok: true };
}
