#!/usr/bin/env node
// Thin entrypoint of the image promotion CLI.
import { runRegistryCli } from '../cli/run-registry-cli.js';

process.exitCode = await runRegistryCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  // a progress bar only on a terminal; pipes and logs get one plain line per change
  ...(process.stdout.isTTY ? { tty: process.stdout } : {}),
});
