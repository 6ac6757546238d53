// A password-protected redis-server on 127.0.0.1 that a fault test can kill (SIGKILL) and start
// again on the same port, configured as hack/lib/services.ts startRedis configures it: no RDB
// snapshots and no append-only file, so a restart comes back EMPTY — the worst case for a copy
// queue, which must then be rebuilt from the PromotionRequests (the promotion controller requeues
// a Copying request whose job is missing).
import { connect } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '../../hack/lib/managed-process.js';
import { freePort, waitFor } from '../../hack/lib/ports.js';
import { requireBinary, tempDir } from '../../hack/lib/service-util.js';

/** A running {@link startRestartableRedis}. */
export interface RestartableRedis {
  host: string;
  port: number;
  password: string;
  /** SIGKILL: no shutdown, every key is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty) and waits until it accepts connections. */
  start(): Promise<void>;
  /** Kills it and removes its folder. */
  stop(): Promise<void>;
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts redis-server with `requirepass password` on a free loopback port. */
export async function startRestartableRedis(password: string): Promise<RestartableRedis> {
  const bin = requireBinary('redis-server');
  const dir = tempDir('flotilla-redis-faults');
  const port = await freePort();
  // the password goes into a config file only the owner can read, not onto the command line (ps)
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, `requirepass ${password}\n`, { mode: 0o600 });
  const args = [conf, '--port', String(port), '--bind', '127.0.0.1'];
  args.push('--save', '', '--appendonly', 'no', '--dir', dir);
  let proc: ManagedProcess | undefined;
  const start = async (): Promise<void> => {
    const p = new ManagedProcess({ command: bin, args, logFile: join(dir, 'redis.log') });
    proc = p;
    await waitFor('redis-server to listen', async () => {
      if (!p.running) throw new Error(`redis-server exited; see ${p.logFile}`);
      return tcpOpen(port);
    });
  };
  const kill = async (): Promise<void> => {
    const p = proc;
    if (!p?.running) return;
    const exited = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
    p.child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    host: '127.0.0.1',
    port,
    password,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
