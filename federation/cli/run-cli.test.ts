import { describe, expect, it } from 'vitest';
import { parseCliArgs, runCli } from './run-cli.js';
import { UsageError } from './errors/index.js';

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { FLOTILLA_KUBECONFIG: '/nonexistent/flotilla-config' },
  });
  return { code, stdout, stderr };
}

describe('parseCliArgs', () => {
  it('accepts global flags before and after the command', () => {
    const p = parseCliArgs([
      '--kubeconfig',
      '/k',
      'get',
      'clusters',
      '-o',
      'wide',
      '-n',
      'ns1',
      '-l',
      'a=b',
    ]);
    expect(p.command?.name).toBe('get');
    expect(p.args).toEqual(['clusters']);
    expect(p.global).toEqual({ kubeconfig: '/k', output: 'wide', namespace: 'ns1' });
    expect(p.flags.selector).toBe('a=b');
  });

  it('collects repeated -f', () => {
    expect(parseCliArgs(['apply', '-f', 'a.yaml', '-f', 'b.yaml']).flags.filename).toEqual([
      'a.yaml',
      'b.yaml',
    ]);
  });

  it('rejects unknown commands, flags of other commands and output formats', () => {
    expect(() => parseCliArgs(['frobnicate'])).toThrow(UsageError);
    expect(() => parseCliArgs(['get', 'clusters', '--region', 'eu'])).toThrow(UsageError);
    expect(() => parseCliArgs(['get', 'clusters', '-o', 'xml'])).toThrow(
      /unknown output format "xml"/,
    );
  });
});

describe('runCli', () => {
  it('exits 2 with a usage message for usage errors', async () => {
    const r = await cli('get', 'clusters', '--bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: .*bogus/);
    expect((await cli()).code).toBe(2);
    expect((await cli('join')).stderr).toMatch(/^error: join needs exactly one cluster name/);
  });

  it('prints help for a command', async () => {
    const r = await cli('help', 'apply');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('flotilla apply -f');
    expect((await cli('--help')).stdout).toContain('unjoin');
  });

  it('exits 1 without a stack trace when the kubeconfig is missing', async () => {
    const r = await cli('get', 'clusters');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: cannot use kubeconfig /nonexistent/flotilla-config: file does not exist\n',
    );
  });

  it('prints the client version without a server', async () => {
    const r = await cli('version', '--client');
    expect(r).toEqual({ code: 0, stdout: 'Client Version: flotilla v0.1.0\n', stderr: '' });
  });

  it('reports an unreachable server as a one-line error', async () => {
    const r = await cli('--server', 'http://127.0.0.1:1', 'get', 'clusters');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .+\n$/);
    expect(r.stderr).not.toContain('    at ');
  });
});
