#!/usr/bin/env node
// Thin entrypoint of flotilla-promotion-worker: argv and signals in, exit code out (see
// run-promotion-command.ts). The first SIGINT/SIGTERM drains and exits 0; a second one exits 1 at once.
import { runPromotionWorkerCommand } from './run-promotion-command.js';

const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (abort.signal.aborted) process.exit(1);
    abort.abort();
  });
}

// exit explicitly: a copy abandoned after the shutdown timeout must not keep the process alive
process.exit(
  await runPromotionWorkerCommand(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    signal: abort.signal,
  }),
);
