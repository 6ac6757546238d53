#!/usr/bin/env node
// Thin entrypoint of `flotilla-agent` (pull mode: beside a member the federation cannot reach):
// argv and signals in, exit code out. Everything else lives in federation/agent/run-agent.ts.
import { runAgent } from '../agent/index.js';

const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    abort.abort();
  });
}

process.exitCode = await runAgent(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  signal: abort.signal,
});
