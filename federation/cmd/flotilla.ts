#!/usr/bin/env node
// Thin entrypoint of the federation CLI: argv and process streams in, exit code out.
import { runCli } from '../cli/run-cli.js';

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  stdin: readStdin,
});
