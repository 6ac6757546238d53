/**
 * Shows a promotion's copy as the replicator reports it in the request's `status.progress`
 * (blobs done/skipped of total, bytes): a cli-progress bar on a terminal, plain lines otherwise
 * (`copied layer 2/4 (8.0 MiB)`), one per change, so logs and scripts can follow it too.
 */
import { SingleBar } from 'cli-progress';
import type { PromotionRequest } from '../apis/registry-types.js';

/** A PromotionRequest's `status.progress`. */
export type CopyProgress = NonNullable<NonNullable<PromotionRequest['status']>['progress']>;

/** Bytes as "8.0 MiB" (KiB below 1 MiB, B below 1 KiB). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${String(bytes)} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** The plain line of one progress report. */
export function progressLine(p: CopyProgress): string {
  const done = p.blobsDone + p.blobsSkipped;
  const skipped = p.blobsSkipped > 0 ? `, ${String(p.blobsSkipped)} already there` : '';
  return `copied layer ${String(done)}/${String(p.blobsTotal)} (${formatSize(p.bytesDone)}${skipped})`;
}

/** Options for {@link CopyProgressReporter}. */
export interface CopyProgressReporterOptions {
  /** Where plain lines and phase changes go. */
  out: (s: string) => void;
  /** A terminal to draw the bar on; absent = plain lines. */
  tty?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Follows one PromotionRequest: prints each phase change, and copy progress as a bar (TTY) or a
 * line per change (anything else). Feed it every version of the request seen; call `stop()` at
 * the end so the bar leaves the terminal as it should.
 */
export class CopyProgressReporter {
  private readonly opts: CopyProgressReporterOptions;
  private bar: SingleBar | undefined;
  private lastPhase: string | undefined;
  private lastLine: string | undefined;

  constructor(opts: CopyProgressReporterOptions) {
    this.opts = opts;
  }

  /** Reports what changed since the previous version of the request. */
  update(pr: PromotionRequest): void {
    const name = pr.metadata.name ?? '';
    const phase = pr.status?.phase ?? 'Pending';
    const p = pr.status?.progress;
    if (p && p.blobsTotal > 0) this.progress(p);
    if (phase !== this.lastPhase) {
      this.lastPhase = phase;
      if (phase !== 'Copying' || !this.bar) {
        this.stopBar();
        const msg = pr.status?.message ? `: ${pr.status.message}` : '';
        this.opts.out(`promotionrequest/${name} ${phase}${msg}\n`);
      }
    }
  }

  private progress(p: CopyProgress): void {
    const done = p.blobsDone + p.blobsSkipped;
    const size = formatSize(p.bytesDone);
    if (this.opts.tty) {
      if (!this.bar) {
        this.bar = new SingleBar({
          stream: this.opts.tty,
          format: 'copying [{bar}] {value}/{total} layers | {size}',
          hideCursor: true,
          clearOnComplete: false,
        });
        this.bar.start(p.blobsTotal, done, { size });
      } else {
        this.bar.setTotal(p.blobsTotal);
        this.bar.update(done, { size });
      }
      return;
    }
    const line = progressLine(p);
    if (line !== this.lastLine) {
      this.lastLine = line;
      this.opts.out(`${line}\n`);
    }
  }

  private stopBar(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** Ends the bar (if any). */
  stop(): void {
    this.stopBar();
  }
}
