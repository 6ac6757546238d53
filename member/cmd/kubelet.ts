#!/usr/bin/env node
// Thin entrypoint of flotilla-kubelet (one node agent joining a member with a bootstrap token):
// argv and signals in, exit code out. Everything else lives in kubelet-run.ts.
import { runKubelet } from './kubelet-run.js';

const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    abort.abort();
  });
}

process.exitCode = await runKubelet(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  signal: abort.signal,
});
