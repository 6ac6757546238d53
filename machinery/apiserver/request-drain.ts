import type { Middleware } from 'koa';

/**
 * Counts the requests being served that end by themselves (not watches or followed logs), so a
 * graceful shutdown can wait for them as kube-apiserver does before it closes what stays open.
 */
export class RequestDrain {
  private inFlight = 0;
  private drained: (() => void) | undefined;

  /** Koa middleware counting requests; `watch=true` and `follow=true` ones are not waited for. */
  middleware(): Middleware {
    return async (ctx, next) => {
      if (ctx.query.watch === 'true' || ctx.query.follow === 'true') {
        await next();
        return;
      }
      this.inFlight++;
      try {
        await next();
      } finally {
        this.inFlight--;
        if (this.inFlight === 0) this.drained?.();
      }
    };
  }

  /** Resolves once no counted request is in flight, or after `graceMs`. */
  async wait(graceMs: number): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.drained = undefined;
  }
}
