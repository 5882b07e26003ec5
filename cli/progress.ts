import { terminalText } from './terminal-text';

/** Where progress goes: stderr, so stdout stays the command's answer (text or --json). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressOptions {
  readonly stream?: ProgressStream;
  /** A live line rewritten in place (a terminal), or plain lines. @default stream.isTTY */
  readonly live?: boolean;
  /** Plain mode: a line this often while a step runs. @default 5000 */
  readonly intervalMs?: number;
  /** Live mode: how often the line is redrawn. @default 250 */
  readonly redrawMs?: number;
  readonly now?: () => number;
  readonly setInterval?: (tick: () => void, ms: number) => { unref?(): unknown };
  readonly clearInterval?: (timer: unknown) => void;
}

interface Step {
  readonly name: string;
  readonly batchId: string | undefined;
  readonly startedAt: number;
  rows: number;
  tables: number;
  table: string | undefined;
}

/**
 * What a long command is doing, as it does it: a step (a stage of one batch, a table being
 * seeded) with the table it is at, the rows so far and their rate. On a terminal one live line
 * is rewritten in place; otherwise a plain line every `intervalMs` while a step runs. Either way
 * each finished step leaves one line, and the command ends with one summary line (`finish`).
 *
 * @example
 * const progress = new Progress('run');
 * progress.start('ingest', batchId);
 * progress.table('sales_order', 120_000);
 * progress.end();
 * progress.finish('2 batches, 120,000 rows landed …');
 */
export class Progress {
  private readonly stream: ProgressStream;
  private readonly live: boolean;
  private readonly now: () => number;
  private readonly startedAt: number;
  /** The steps running, oldest first: a run's stages of different batches overlap. */
  private readonly steps: Step[] = [];
  private timer: unknown;
  private liveShown = false;
  private lastPlainAt = 0;
  private readonly intervalMs: number;

  constructor(
    private readonly command: string,
    private readonly options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.live = options.live ?? this.stream.isTTY === true;
    this.now = options.now ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? 5000;
    this.startedAt = this.now();
  }

  /** Seconds since the command began. */
  elapsedSeconds(): number {
    return (this.now() - this.startedAt) / 1000;
  }

  /**
   * A step begins, beside the steps already running (a run ingests one batch while it loads
   * the one before); a step of the same name still running ends first.
   */
  start(name: string, batchId?: string): void {
    if (this.find(name)) this.end(name);
    this.steps.push({ name, batchId, startedAt: this.now(), rows: 0, tables: 0, table: undefined });
    this.lastPlainAt = this.now();
    this.ensureTimer();
    this.redraw();
  }

  /** The step `name` (by default the one started last) is at `table`, before its rows are known. */
  at(table: string, name?: string): void {
    const step = this.find(name);
    if (!step) return;
    step.table = table;
    this.redraw();
  }

  /** The step `name` (by default the one started last) finished `table` with `rows` rows. */
  table(table: string, rows: number, name?: string): void {
    const step = this.find(name);
    if (!step) return;
    step.table = table;
    step.tables += 1;
    step.rows += rows;
    this.redraw();
  }

  /**
   * The step `name` ends (without a name: every step, oldest first), each leaving one line:
   * its tables, rows, time and rate.
   */
  end(name?: string): void {
    const ending = this.steps.filter((step) => name === undefined || step.name === name);
    for (const step of ending) {
      this.steps.splice(this.steps.indexOf(step), 1);
      const seconds = (this.now() - step.startedAt) / 1000;
      const tables = step.tables === 1 ? '1 table' : `${count(step.tables)} tables`;
      this.print(
        `${this.head(step)}: ${tables}, ${count(step.rows)} rows in ${seconds.toFixed(1)} s${rateText(step.rows, seconds)}`,
      );
    }
  }

  /** Stops the live line and the timer: the command is ending, however it ends. */
  close(): void {
    this.steps.length = 0;
    if (this.timer !== undefined) {
      (this.options.clearInterval ?? clearInterval)(this.timer as NodeJS.Timeout);
      this.timer = undefined;
    }
    this.clearLive();
  }

  /** The closing line: `run: done in 44.2 s: …`. */
  finish(summary: string): void {
    this.end();
    this.close();
    this.stream.write(
      `${terminalText(`${this.command}: done in ${this.elapsedSeconds().toFixed(1)} s: ${summary}`)}\n`,
    );
  }

  /** Takes the live line away before the command writes to stdout; the next redraw brings it back. */
  clear(): void {
    this.clearLive();
  }

  /** A line of the command's own (a backfill's progress, a redriven message), kept in order. */
  print(line: string): void {
    this.clearLive();
    this.stream.write(`${terminalText(line)}\n`);
    this.redraw();
  }

  private find(name: string | undefined): Step | undefined {
    return name === undefined ? this.steps.at(-1) : this.steps.find((step) => step.name === name);
  }

  private head(step: Step): string {
    return step.batchId === undefined ? `  ${step.name}` : `  ${step.name} ${step.batchId}`;
  }

  /** `  transform 2026…-3f9a1c · sales_order · 41,000 rows · 12,300 rows/s · 3.3 s`. */
  private current(step: Step): string {
    const seconds = (this.now() - step.startedAt) / 1000;
    return [
      this.head(step),
      ...(step.table === undefined ? [] : [step.table]),
      `${count(step.rows)} rows so far`,
      ...(step.rows > 0 && seconds > 0 ? [`${count(Math.round(step.rows / seconds))} rows/s`] : []),
      `${seconds.toFixed(1)} s`,
    ].join(' · ');
  }

  private ensureTimer(): void {
    if (this.timer !== undefined) return;
    const every = this.live ? (this.options.redrawMs ?? 250) : Math.min(this.intervalMs, 1000);
    const timer = (this.options.setInterval ?? setInterval)(() => this.tick(), every);
    // Progress never keeps the process alive on its own.
    timer.unref?.();
    this.timer = timer;
  }

  private tick(): void {
    if (this.steps.length === 0) return;
    if (this.live) {
      this.redraw();
    } else if (this.now() - this.lastPlainAt >= this.intervalMs) {
      this.lastPlainAt = this.now();
      for (const step of this.steps) this.stream.write(`${terminalText(this.current(step))}\n`);
    }
  }

  /** One live line: the steps running side by side, the oldest first. */
  private redraw(): void {
    if (!this.live || this.steps.length === 0) return;
    const width = Math.max(20, (this.stream.columns ?? 100) - 1);
    const line = terminalText(this.steps.map((step) => this.current(step)).join('  |'));
    this.stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.liveShown = true;
  }

  private clearLive(): void {
    if (!this.liveShown) return;
    this.stream.write('\r\x1b[2K');
    this.liveShown = false;
  }
}

const count = (n: number) => n.toLocaleString('en-GB');

function rateText(rows: number, seconds: number): string {
  return rows > 0 && seconds > 0 ? ` (${count(Math.round(rows / seconds))} rows/s)` : '';
}
