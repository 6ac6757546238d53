/** Exec and attach sessions of the hollow runtime: fixed replies, so tests run without Docker. */
import { PassThrough } from 'node:stream';
import type { StreamOptions, StreamSession } from './container-runtime.js';

/**
 * A hollow exec: stdout is the command line (words joined by spaces) and a newline, then stdin as
 * it comes (so `cat` echoes); then it exits with `code`. Without stdin the session ends at once.
 */
export function hollowExecStream(o: StreamOptions, code: number): StreamSession {
  const stdout = new PassThrough();
  const stdin = o.stdin ? new PassThrough() : undefined;
  stdout.write(`${(o.command ?? []).join(' ')}\n`);
  const done = new Promise<number | undefined>((resolve) => {
    if (stdin) {
      stdin.pipe(stdout);
      stdin.once('end', () => resolve(code));
      stdin.once('close', () => resolve(code));
    } else {
      stdout.end();
      resolve(code);
    }
  });
  return {
    ...(stdin ? { stdin } : {}),
    ...(o.stdout ? { stdout } : {}),
    ...(o.stderr && !o.tty ? { stderr: new PassThrough().end() } : {}),
    resize: () => Promise.resolve(),
    done,
    close: () => {
      stdin?.destroy();
      stdout.end();
    },
  };
}
