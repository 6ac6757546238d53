import { runCli } from '../../federation/cli/run-cli.js';

/** Result of one in-process CLI run. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the flotilla CLI in-process with a given kubeconfig. */
export async function flotilla(kubeconfig: string, ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--kubeconfig', kubeconfig, ...args], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: {},
  });
  return { code, stdout, stderr };
}
