import { request } from 'node:http';
import { connect } from 'node:net';
import type { Probe } from '../apis/index.js';

/** Where a probe connects: the node address and the host port published for a container port. */
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

/** Runs one probe; resolves true on success. Never connects to container bridge IPs. */
export async function runProbe(probe: Probe, target: ProbeTarget): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    return (
      (await Promise.race([
        target.exec(probe.exec.command),
        new Promise<number>((r) => setTimeout(() => r(1), timeoutMs)),
      ])) === 0
    );
  }
  if (probe.httpGet) {
    const port = target.portFor(probe.httpGet.port);
    if (port === undefined) return false;
    return new Promise((resolve) => {
      const req = request(
        { host: target.host, port, path: probe.httpGet?.path ?? '/', timeout: timeoutMs },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 500;
          resolve(code >= 200 && code < 400);
        },
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => {
        req.destroy();
        resolve(false);
      });
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = target.portFor(probe.tcpSocket.port);
    if (port === undefined) return false;
    return new Promise((resolve) => {
      const s = connect({ host: target.host, port, timeout: timeoutMs }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
      s.on('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
  }
  return true;
}
