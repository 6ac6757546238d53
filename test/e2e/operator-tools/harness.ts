// One hollow local federation for the operator-tools e2e parts (dashboard, cluster proxy, cluster
// operations, metrics): the built local-up (dist/) with two members and promotion, started once in
// beforeAll and stopped in afterAll. With FLOTILLA_E2E_STATE set, a federation already started by
// hand in that state folder is used instead and left running (the development loop).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect } from 'vitest';
import { distScript, ensureBuilt } from '../../support/binaries.js';

const run = promisify(execFile);

/** What a command run by the harness printed and how it exited. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The running federation and ways to drive it as a user would. */
export interface OperatorToolsEnv {
  /** The repository root. */
  root: string;
  /** The local-up state folder (hollow runtime, members member1 and member2, promotion). */
  state: string;
  /** `<state>/kubeconfig`: contexts federation, federation-alice, federation-bob, member1, member2. */
  kubeconfig: string;
  /** `node dist/federation/cmd/flotilla.js ...args` with KUBECONFIG set; never throws. */
  flotilla(
    args: string[],
    opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ): Promise<CommandResult>;
  /** `kubectl --kubeconfig <state>/kubeconfig ...args`; never throws. */
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** `bash examples/<script> <state> ...args` from the repository root; never throws. */
  example(script: string, args?: string[], opts?: { timeoutMs?: number }): Promise<CommandResult>;
}

const root = resolve(new URL('../../..', import.meta.url).pathname);
/** The runtime `npm run setup` uses: the `node` package's binary. */
const node = join(root, 'node_modules', '.bin', 'node');

/** Runs a command to completion, collecting its output and exit code (never rejects). */
function exec(
  file: string,
  args: string[],
  opts: { input?: string | undefined; env?: NodeJS.ProcessEnv; timeoutMs?: number | undefined },
): Promise<CommandResult> {
  return new Promise((done) => {
    const child = execFile(
      file,
      args,
      {
        cwd: root,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code =
          err === null ? 0 : typeof err.code === 'number' ? err.code : err.killed ? 124 : 1;
        done({ code, stdout, stderr });
      },
    );
    child.stdin?.end(opts.input ?? '');
  });
}

function envFor(state: string, kubeconfig: string): OperatorToolsEnv {
  const withKubeconfig = (extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
    ...process.env,
    PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    KUBECONFIG: kubeconfig,
    // the flotilla CLI reads its own variable (else ~/.flotilla/config, a developer's federation)
    FLOTILLA_KUBECONFIG: kubeconfig,
    ...extra,
  });
  return {
    root,
    state,
    kubeconfig,
    flotilla: (args, opts = {}) =>
      exec(node, [join(root, 'dist/federation/cmd/flotilla.js'), ...args], {
        input: opts.input,
        env: withKubeconfig(opts.env),
        timeoutMs: opts.timeoutMs,
      }),
    kubectl: (args, opts = {}) =>
      exec('kubectl', ['--kubeconfig', kubeconfig, ...args], {
        input: opts.input,
        env: withKubeconfig(),
        timeoutMs: opts.timeoutMs,
      }),
    example: (script, args = [], opts = {}) =>
      exec('bash', [join(root, 'examples', script), state, ...args], {
        env: withKubeconfig(),
        timeoutMs: opts.timeoutMs ?? 240_000,
      }),
  };
}

/**
 * Registers beforeAll/afterAll that bring the federation up (build + local-up, hollow, two
 * members) and down; returns an accessor for the tests (valid once beforeAll ran).
 */
export function useOperatorToolsEnv(): () => OperatorToolsEnv {
  const reuse = process.env.FLOTILLA_E2E_STATE;
  let env: OperatorToolsEnv | undefined;
  beforeAll(async () => {
    if (reuse !== undefined && reuse !== '') {
      const state = resolve(reuse);
      env = envFor(state, join(state, 'kubeconfig'));
      return;
    }
    // the suite builds dist/ first: rebuilt here only when a source is newer than the build
    ensureBuilt(['hack/local-up.js', 'hack/local-down.js'].map(distScript));
    const state = mkdtempSync(join(tmpdir(), 'flotilla-operator-tools-'));
    const up = await run(
      node,
      [
        '--enable-source-maps',
        'dist/hack/local-up.js',
        '--detach',
        '--state',
        state,
        '--runtime',
        'hollow',
        '--members',
        '2',
        '--nodes',
        '2',
      ],
      { cwd: root, timeout: 240_000 },
    );
    expect(up.stdout).toContain('Local federation is up');
    env = envFor(state, join(state, 'kubeconfig'));
  });
  afterAll(async () => {
    if (env === undefined || (reuse !== undefined && reuse !== '')) return;
    await run(node, ['dist/hack/local-down.js', '--state', env.state], {
      cwd: root,
      timeout: 90_000,
    });
    // etcd data, registries and logs of the run: some hundred MiB per run
    rmSync(env.state, { recursive: true, force: true });
  });
  return () => {
    if (env === undefined) throw new Error('the operator-tools federation is not up (beforeAll)');
    return env;
  };
}
