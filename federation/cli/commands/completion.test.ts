import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandRegistry } from '../command-registry.js';
import { GLOBAL_OPTIONS } from '../global-options.js';
import { runCli } from '../run-cli.js';

async function script(shell: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['completion', shell], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: {},
  });
  return { code, stdout, stderr };
}

/** A fake `flotilla` on PATH answering `get clusters -o name` as the real one would. */
function fakeFlotilla(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-completion-'));
  const bin = join(dir, 'flotilla');
  writeFileSync(
    bin,
    '#!/bin/sh\ncase "$*" in *"get clusters -o name"*) printf "cluster/member1\\ncluster/member2\\n" ;; esac\n',
  );
  chmodSync(bin, 0o755);
  return dir;
}

/** Completions bash offers for the words typed so far (last word = the one being completed). */
function bashComplete(src: string, words: string[]): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'flotilla-bash-')), 'completion.bash');
  writeFileSync(file, src);
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `source ${file}; COMP_WORDS=(flotilla ${quoted}); COMP_CWORD=${String(words.length)}; _flotilla; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${fakeFlotilla()}:${process.env.PATH ?? ''}` },
    },
  );
  return out.split('\n').filter((l) => l !== '');
}

describe('flotilla completion', () => {
  it('offers every global flag run-cli parses', async () => {
    const r = await script('bash');
    for (const flag of Object.keys(GLOBAL_OPTIONS)) expect(r.stdout).toContain(`--${flag}`);
  });

  it('bash: registers the completion and completes commands, flags, types and clusters', async () => {
    const r = await script('bash');
    expect(r.code).toBe(0);
    const file = join(mkdtempSync(join(tmpdir(), 'flotilla-bash-')), 'c.bash');
    writeFileSync(file, r.stdout);
    expect(
      execFileSync('bash', ['-c', `source ${file}; complete -p flotilla`], { encoding: 'utf8' }),
    ).toBe('complete -o default -F _flotilla flotilla\n');
    const cmds = bashComplete(r.stdout, ['']);
    for (const c of [...commandRegistry.keys(), 'help']) expect(cmds).toContain(c);
    expect(bashComplete(r.stdout, ['co'])).toEqual(
      ['cordon', 'config', 'completion']
        .filter((c) => cmds.includes(c))
        .sort((a, b) => cmds.indexOf(a) - cmds.indexOf(b)),
    );
    expect(bashComplete(r.stdout, ['cordon', ''])).toEqual(['member1', 'member2']);
    expect(bashComplete(r.stdout, ['promote', 'deployment', 'web', '-C', 'mem'])).toEqual([
      'member1',
      'member2',
    ]);
    expect(bashComplete(r.stdout, ['get', 'dep'])).toEqual(['deployments']);
    expect(bashComplete(r.stdout, ['-o', 'wide', 'top', ''])).toEqual([
      'clusters',
      'nodes',
      'pods',
    ]);
    expect(bashComplete(r.stdout, ['get', 'clusters', '-o', 'y'])).toEqual(['yaml']);
    expect(bashComplete(r.stdout, ['taint', '--ov'])).toEqual(['--overwrite']);
    expect(bashComplete(r.stdout, ['token', 'create', '--print'])).toEqual([
      '--print-register-command',
    ]);
  });

  it('zsh: the script is valid zsh', async () => {
    const r = await script('zsh');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('#compdef flotilla\n')).toBe(true);
    expect(r.stdout).toContain(
      "'cordon:Mark a member cluster unschedulable (new placements avoid it)'",
    );
    // zsh comes with `npm run setup` (hack/install.sh) so the script is checked by a real zsh
    const file = join(mkdtempSync(join(tmpdir(), 'flotilla-zsh-')), '_flotilla');
    writeFileSync(file, r.stdout);
    const check = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('exits 2 for other shells', async () => {
    expect((await script('fish')).code).toBe(2);
    let err = '';
    expect(
      await runCli(['completion'], { stdout: () => undefined, stderr: (s) => (err += s), env: {} }),
    ).toBe(2);
    expect(err).toMatch(/completion needs a shell/);
  });
});
