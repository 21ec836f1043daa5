// The progress bar of a run: which pair of how many, and how far the current child is
// (its load, then its timed phase). Redrawn in place on stderr when it is a terminal;
// silent otherwise, so logs and CI only get the report.

/** Draws `[####......] 12/40 lsm readrandom run 42%` on stderr when it is a TTY. */
export class Progress {
  private readonly tty: boolean;
  private lastDraw = 0;
  private label = '';
  private index = 0;
  /** The current pair has a load stage: it takes the first half of the pair's share of the bar. */
  private sawLoad = false;

  constructor(
    private readonly total: number,
    tty: boolean = process.stderr.isTTY === true,
  ) {
    this.tty = tty;
  }

  /** True when the bar is drawn (children should then report progress). */
  get enabled(): boolean {
    return this.tty;
  }

  /** Starts pair number `index` (0-based). */
  start(index: number, label: string): void {
    this.index = index;
    this.label = label;
    this.sawLoad = false;
    this.draw('starting', 0, 0, true);
  }

  /** The current child reports `done` of `total` in `stage`. */
  update(stage: string, done: number, total: number): void {
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    if (stage === 'load') this.sawLoad = true;
    // The pair's share of the whole bar: load then settle then run, or just run.
    let pairFrac = frac;
    if (this.sawLoad) pairFrac = stage === 'load' ? frac / 2 : stage === 'settle' ? 0.5 : 0.5 + frac / 2;
    this.draw(stage, frac, pairFrac, false);
  }

  private draw(stage: string, frac: number, pairFrac: number, force: boolean): void {
    if (!this.tty) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 30;
    const overall = Math.min(1, (this.index + pairFrac) / Math.max(1, this.total));
    const filled = Math.round(overall * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    process.stderr.write(`\r\x1b[2K[${bar}] ${this.index + 1}/${this.total} ${this.label} ${stage}${stage === 'settle' ? '' : ` ${(frac * 100).toFixed(0)}%`}`);
  }

  /** Clears the bar line. */
  done(): void {
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }
}
