// The local federation's process supervisor (hack/lib/supervisor.ts) on toy `node -e` HTTP
// servers: a SIGKILLed process is restarted with doubling back-off and the restart is recorded,
// stop keeps it down, start brings it back, stopAll leaves nothing running, and hack/local-ctl.ts
// drives the same operations through the control socket.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../hack/lib/ports.js';
import { tempDir } from '../../hack/lib/service-util.js';
import { Supervisor, type ProcessStatus } from '../../hack/lib/supervisor.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const TSX = join(ROOT, 'node_modules/.bin/tsx');

/** A tiny HTTP server answering its pid; exits 0 on SIGTERM. */
const TOY = `
const http = require('node:http');
const s = http.createServer((_q, r) => r.end(String(process.pid)));
s.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening', process.pid));
process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });
`;

/** The pid the toy on `port` answers, or undefined when nothing answers. */
function pidOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        resolve(Number(body));
      });
    });
    req.on('error', () => {
      resolve(undefined);
    });
    req.on('timeout', () => req.destroy());
  });
}

function alive(pid: number | null | undefined): boolean {
  if (pid == null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs local-ctl from source; resolves with the exit code and output. */
function ctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [join(ROOT, 'hack/local-ctl.ts'), ...args], (error, out, err) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, out, err });
    });
  });
}

describe('Supervisor', () => {
  let state: string;
  let sup: Supervisor;
  const ports: Record<string, number> = {};
  const status = (name: string): ProcessStatus => {
    const p = sup.list().find((s) => s.name === name);
    if (!p) throw new Error(`${name} is not supervised`);
    return p;
  };
  const toy = async (name: string, group: string): Promise<void> => {
    const port = await freePort();
    ports[name] = port;
    await sup.add({
      name,
      group,
      command: process.execPath,
      args: ['-e', TOY],
      env: { PORT: String(port) },
      ready: async () => (await pidOn(port)) !== undefined,
      readyTimeoutMs: 10_000,
    });
  };
  const port = (name: string): number => ports[name] ?? 0;

  beforeAll(async () => {
    state = tempDir('flotilla-supervisor');
    sup = new Supervisor({ stateDir: state, backoff: { initialMs: 300, maxMs: 1_000 } });
    await sup.serveControl();
    await toy('web-a', 'toys');
    await toy('web-b', 'toys');
    await toy('web-c', 'other');
  });
  afterAll(async () => {
    await sup.shutdown();
    // shutdown also closes the control socket
    expect(existsSync(join(state, 'supervisor.sock'))).toBe(false);
    rmSync(state, { recursive: true, force: true });
  });

  it('runs every process, logs its output and writes processes.json', async () => {
    for (const name of ['web-a', 'web-b', 'web-c']) {
      const s = status(name);
      expect(s).toMatchObject({ state: 'running', restarts: 0, lastExit: null });
      expect(await pidOn(port(name))).toBe(s.pid);
      expect(readFileSync(join(state, 'logs', `${name}.log`), 'utf8')).toContain('listening');
    }
    const file = JSON.parse(readFileSync(join(state, 'processes.json'), 'utf8')) as {
      processes: ProcessStatus[];
    };
    expect(file.processes.map((p) => [p.name, p.group, p.state])).toEqual([
      ['web-a', 'toys', 'running'],
      ['web-b', 'toys', 'running'],
      ['web-c', 'other', 'running'],
    ]);
  });

  it('restarts a SIGKILLed process after a doubling back-off and records it', async () => {
    const first = status('web-a').pid;
    expect(sup.kill('web-a', 'SIGKILL')).toEqual([first]);
    await waitFor('web-a to be restarted', async () => {
      const pid = await pidOn(port('web-a'));
      return pid !== undefined && pid !== first;
    });
    const s = status('web-a');
    expect(alive(first)).toBe(false);
    expect(s).toMatchObject({ state: 'running', restarts: 1 });
    expect(s.lastExit).toMatchObject({ signal: 'SIGKILL', code: null, backoffMs: 300 });

    const second = s.pid;
    sup.kill('web-a', 'SIGKILL');
    await waitFor('web-a to be restarted again', async () => {
      const pid = await pidOn(port('web-a'));
      return pid !== undefined && pid !== second;
    });
    expect(status('web-a').history.map((h) => h.backoffMs)).toEqual([300, 600]);

    const file = JSON.parse(readFileSync(join(state, 'processes.json'), 'utf8')) as {
      processes: ProcessStatus[];
    };
    expect(file.processes.find((p) => p.name === 'web-a')).toMatchObject({
      restarts: 2,
      lastExit: { signal: 'SIGKILL', backoffMs: 600 },
    });
    const log = readFileSync(join(state, 'logs', 'supervisor.log'), 'utf8');
    expect(log).toMatch(/restart web-a: exited code=null signal=SIGKILL .* in 300 ms/);
    expect(log).toMatch(/restart web-a: exited .* restart #2 in 600 ms/);
  });

  it('stop keeps a group down; start brings it back', async () => {
    const before = ['web-a', 'web-b'].map((n) => status(n).pid);
    expect(await sup.stop('toys')).toEqual(['web-b', 'web-a']);
    for (const pid of before) expect(alive(pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 1_000));
    for (const n of ['web-a', 'web-b']) {
      expect(status(n)).toMatchObject({ state: 'stopped', pid: null });
      expect(await pidOn(port(n))).toBeUndefined();
    }
    expect(status('web-c').state).toBe('running');
    expect(await sup.start('toys')).toEqual(['web-a', 'web-b']);
    for (const n of ['web-a', 'web-b']) {
      expect(status(n).state).toBe('running');
      expect(await pidOn(port(n))).toBe(status(n).pid);
    }
  });

  it('local-ctl ps, stop, start and kill through the control socket', async () => {
    const ps = await ctl('--state', state, 'ps');
    expect(ps.code).toBe(0);
    expect(ps.out).toMatch(/^NAME\s+GROUP\s+STATE\s+PID\s+RESTARTS/);
    expect(ps.out).toMatch(/web-c\s+other\s+running\s+\d+\s+0/);

    const stopped = await ctl('--state', state, 'stop', 'web-c');
    expect(stopped).toMatchObject({ code: 0, out: 'stopped: web-c\n' });
    expect(status('web-c').state).toBe('stopped');
    const started = await ctl('--state', state, 'start', 'other');
    expect(started).toMatchObject({ code: 0, out: 'started: web-c\n' });
    const pid = status('web-c').pid;
    expect(await pidOn(port('web-c'))).toBe(pid);

    const killed = await ctl('--state', state, 'kill', 'web-c', '--signal', 'SIGKILL');
    expect(killed.code).toBe(0);
    expect(killed.out).toContain(String(pid));
    await waitFor('web-c to be restarted', async () => {
      const now = await pidOn(port('web-c'));
      return now !== undefined && now !== pid;
    });
    expect(status('web-c').restarts).toBe(1);
    const json = await ctl('--state', state, 'ps', '--json');
    const rows = JSON.parse(json.out) as ProcessStatus[];
    expect(rows.find((r) => r.name === 'web-c')?.restarts).toBe(1);
  });

  it('local-ctl fails cleanly: 2 on bad usage, 1 on an unknown target or no federation', async () => {
    expect((await ctl('--state', state)).code).toBe(2);
    expect((await ctl('--state', state, 'frobnicate')).code).toBe(2);
    expect((await ctl('--state', state, 'stop')).code).toBe(2);
    expect((await ctl('--state', state, 'kill', 'web-c', '--signal', 'SIGNOPE')).code).toBe(2);
    const unknown = await ctl('--state', state, 'stop', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no process or group named "nope"');
    const none = await ctl('--state', join(state, 'nothing-here'), 'ps');
    expect(none.code).toBe(1);
    expect(none.err).toContain('no local federation is running');
  });

  it('add fails when the command does not exist', async () => {
    await expect(
      sup.add({ name: 'missing', group: 'bad', command: join(state, 'no-such-binary'), args: [] }),
    ).rejects.toThrow(/missing could not be started/);
    expect(status('missing')).toMatchObject({ state: 'stopped', pid: null, restarts: 0 });
    expect(readFileSync(join(state, 'logs', 'missing.log'), 'utf8')).toContain('ENOENT');
  });

  it('add fails when a process exits before it is ready, and does not restart it', async () => {
    await expect(
      sup.add({
        name: 'crasher',
        group: 'bad',
        command: process.execPath,
        args: ['-e', 'process.exit(3)'],
        ready: () => Promise.resolve(false),
        readyTimeoutMs: 5_000,
      }),
    ).rejects.toThrow(/crasher exited before it was ready/);
    await new Promise((r) => setTimeout(r, 500));
    expect(status('crasher')).toMatchObject({ state: 'stopped', pid: null });
    expect(status('crasher').lastExit).toMatchObject({ code: 3 });
    expect(status('crasher').restarts).toBe(0);
  });

  it('stopAll stops everything in reverse start order and nothing comes back', async () => {
    const pids = sup.list().map((p) => p.pid);
    expect(pids.filter((p) => p !== null)).toHaveLength(3);
    await sup.stopAll();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const log = readFileSync(join(state, 'logs', 'supervisor.log'), 'utf8');
    const order = [...log.slice(log.lastIndexOf('is ready')).matchAll(/stop (web-\w)/g)];
    expect(order.map((m) => m[1])).toEqual(['web-c', 'web-b', 'web-a']);
    await new Promise((r) => setTimeout(r, 500));
    expect(sup.list().every((p) => p.state === 'stopped' && p.pid === null)).toBe(true);
  });
});

describe('Supervisor back-off', () => {
  it('doubles up to maxMs and resets after a stable run', async () => {
    const state = tempDir('flotilla-supervisor-backoff');
    const sup = new Supervisor({
      stateDir: state,
      backoff: { initialMs: 200, maxMs: 300, resetAfterMs: 1_500 },
    });
    const port = await freePort();
    try {
      await sup.add({
        name: 'toy',
        group: 'toys',
        command: process.execPath,
        args: ['-e', TOY],
        env: { PORT: String(port) },
        ready: async () => (await pidOn(port)) !== undefined,
      });
      const crash = async (): Promise<void> => {
        const before = sup.list()[0]?.pid;
        sup.kill('toy');
        await waitFor('toy to come back', async () => {
          const pid = await pidOn(port);
          return pid !== undefined && pid !== before;
        });
      };
      await crash();
      await crash();
      await new Promise((r) => setTimeout(r, 1_600));
      await crash();
      expect(sup.list()[0]?.history.map((h) => h.backoffMs)).toEqual([200, 300, 200]);
    } finally {
      await sup.shutdown();
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe('Supervisor owner exit', () => {
  it('terminates the children when the supervising process exits without stopAll', async () => {
    const state = tempDir('flotilla-supervisor-exit');
    const port = await freePort();
    const script = join(state, 'owner.mts');
    const lib = join(ROOT, 'hack/lib/supervisor.ts');
    writeFileSync(
      script,
      `import { Supervisor } from ${JSON.stringify(lib)};
const sup = new Supervisor({ stateDir: ${JSON.stringify(state)} });
await sup.add({ name: 'toy', group: 'g', command: process.execPath, args: ['-e', ${JSON.stringify(TOY)}],
  env: { PORT: '${String(port)}' }, ready: () => fetch('http://127.0.0.1:${String(port)}/').then((r) => r.ok) });
console.log(sup.list()[0]?.pid);
process.exit(0);
`,
    );
    try {
      const out = await new Promise<string>((resolve, reject) => {
        execFile(TSX, [script], (err, stdout) => {
          if (err) reject(new Error('the owner script failed', { cause: err }));
          else resolve(stdout);
        });
      });
      const pid = Number(out.trim());
      expect(pid).toBeGreaterThan(0);
      await waitFor('the orphaned toy to exit', () => Promise.resolve(!alive(pid)), 5_000);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});
