// A progress bar for long steps: redrawn in place on a TTY (stderr), silent otherwise, so
// logs and CI output only get the final summary line.

/** Draws `label [#####.....] 42% 420,000/1,000,000` on stderr when it is a terminal. */
export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  /** Reports that `done` of `total` units are finished; redraws at most ~20 times a second. */
  update(done: number): void {
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.lastDraw < 50 && done < this.total) return;
    this.lastDraw = now;
    const width = 30;
    const frac = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    process.stderr.write(`\r${this.label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')}`);
  }

  /** Clears the bar line. */
  done(): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }
}
