// The README quick start end to end: the built hack/local-up (dist/, run by the Node 24 runtime from
// node_modules, as `npm run setup` does) brings up a federation with two Docker
// member clusters, cluster DNS, the central resolver and image promotion between a dev and a prod
// registry (in its own state folder, so a developer's running federation is left alone); both
// examples run against it; local-down stops it.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(new URL('../..', import.meta.url).pathname);
const state = mkdtempSync(join(tmpdir(), 'flotilla-quick-start-'));
/** The runtime `npm run setup` uses: the `node` package's binary, not the machine's Node. */
const node = join(root, 'node_modules', '.bin', 'node');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function kubectl(...args: string[]): Promise<string> {
  return (
    await run('kubectl', ['--kubeconfig', join(state, 'kubeconfig'), ...args], { timeout: 60_000 })
  ).stdout;
}

beforeAll(async () => {
  await run('npm', ['run', '--silent', 'build'], { cwd: root, timeout: 120_000 });
  const up = await run(
    node,
    [
      '--enable-source-maps',
      'dist/hack/local-up.js',
      '--detach',
      '--state',
      state,
      '--members',
      '2',
      '--nodes',
      '1',
    ],
    { cwd: root, timeout: 240_000 },
  );
  expect(up.stdout).toContain('Local federation is up');
});

afterAll(async () => {
  await run(node, ['dist/hack/local-down.js', '--state', state], { cwd: root, timeout: 60_000 });
});

describe('quick start', () => {
  it('runs the built JavaScript on the Node 24 LTS runtime, without the tsx loader', async () => {
    const pid = Number(readFileSync(join(state, 'local-up.pid'), 'utf8'));
    const cmdline = readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').split('\0');
    expect(cmdline.join(' ')).toMatch(/dist\/hack\/local-up\.js/);
    expect(cmdline.join(' ')).not.toMatch(/tsx/);
    const exe = readlinkSync(`/proc/${String(pid)}/exe`);
    expect((await run(exe, ['--version'])).stdout).toMatch(/^v24\./);
    const ps = (await run('ps', ['-o', 'args=', '-p', String(pid)])).stdout;
    expect(ps).toMatch(/node .*dist\/hack\/local-up\.js/);
  });

  it('brings up a federation with two joined, Ready members and their DNS', async () => {
    expect(await kubectl('--context', 'member1', 'get', 'nodes', '-o', 'name')).toBe(
      'node/member1-node-1\n',
    );
    await expect
      .poll(
        async () =>
          kubectl(
            '--context',
            'federation',
            'get',
            'clusters',
            '-o',
            'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}',
          ),
        { timeout: 60_000, interval: 1000 },
      )
      .toBe('member1=True member2=True ');
    expect(readFileSync(join(state, 'resolver'), 'utf8')).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('runs the web-divided example: 4 + 2 replicas, a federation-wide DNS name, 6 answering endpoints', async () => {
    const { stdout } = await run('bash', [join(root, 'examples', 'web-divided.sh'), state], {
      cwd: root,
      timeout: 240_000,
    });
    expect(stdout).toContain('member1: 4 pods');
    expect(stdout).toContain('member2: 2 pods');
    // one published address per node: member1's node is 127.0.101.1, member2's 127.0.102.1
    expect(stdout).toMatch(/127\.0\.101\.1\n127\.0\.102\.1/);
    expect(stdout.match(/-> hello from flotilla/g)).toHaveLength(6);
    await kubectl(
      '--context',
      'federation',
      'delete',
      '-f',
      join(root, 'examples', 'web-divided.yaml'),
    );
    await expect
      .poll(
        async () => (await kubectl('--context', 'member2', 'get', 'pods', '-o', 'name')).trim(),
        {
          timeout: 60_000,
          interval: 1000,
        },
      )
      .toBe('');
  });

  it('runs the promote-image example: push to dev, self-approval refused, approval copies to prod by digest', async () => {
    const { stdout, stderr } = await run(
      'bash',
      [join(root, 'examples', 'promote-image.sh'), state],
      { cwd: root, timeout: 180_000 },
    );
    const digest = /pushed \S+ \((sha256:[0-9a-f]{64})\)/.exec(stdout)?.[1];
    expect(digest).toBeDefined();
    expect(stderr).toMatch(/user "alice" requested promotion \S+ and cannot approve it/);
    expect(stdout).toMatch(/Succeeded\s+dev→prod app\/web@/);
    expect(stdout).toContain(`prod serves app/web@${digest ?? ''}`);
  });

  it('local-down stops everything it started', async () => {
    const pid = Number(readFileSync(join(state, 'local-up.pid'), 'utf8'));
    expect(alive(pid)).toBe(true);
    await run(node, ['dist/hack/local-down.js', '--state', state], { cwd: root, timeout: 60_000 });
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(state, 'ready'))).toBe(false);
  });
});
