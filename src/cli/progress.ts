/**
 * Live progress of a running search, driven by its events: trials done of the budget,
 * trials running, the best value so far, elapsed time and an estimate of the time left.
 * A bar on a terminal; one line per finished trial when output is not a terminal.
 */
import cliProgress from 'cli-progress';
import { betterThan } from '../core/metrics/index.js';
import type { SearchEvent } from '../ports/event-bus.js';
import { formatDuration, formatValue } from './format.js';

export interface ProgressOptions {
  readonly total: number;
  readonly workers: number;
  readonly metric: string;
  readonly direction: 'maximize' | 'minimize';
  readonly maxMinutes?: number;
  readonly interactive: boolean;
  readonly write: (line: string) => void;
  /** Milliseconds since some fixed origin. */
  readonly now: () => number;
}

export class SearchProgress {
  private readonly started: number;
  private readonly running = new Set<number>();
  private done = 0;
  private failed = 0;
  private best: number | undefined;
  private trialTime = 0;
  private readonly bar: cliProgress.SingleBar | undefined;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.started = options.now();
    if (options.interactive) {
      this.bar = new cliProgress.SingleBar(
        {
          format: 'trials {bar} {value}/{total} | running {running} | best {metric} {best} | {elapsed} elapsed | ETA {eta}',
          hideCursor: true,
          clearOnComplete: false,
          barsize: 24,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(options.total, 0, this.payload());
      this.timer = setInterval(() => this.bar?.update(this.done, this.payload()), 1000);
    }
  }

  private payload() {
    const elapsed = this.options.now() - this.started;
    return {
      running: this.running.size,
      metric: this.options.metric,
      best: formatValue(this.best),
      elapsed: formatDuration(elapsed),
      eta: formatDuration(this.eta(elapsed)),
    };
  }

  /** Remaining trials times the mean trial time, spread over the workers; capped by maxMinutes. */
  private eta(elapsed: number): number {
    if (this.done === 0) return Number.NaN;
    const remaining = Math.max(0, this.options.total - this.done);
    const estimate = ((this.trialTime / this.done) * remaining) / Math.max(1, this.options.workers);
    const cap = this.options.maxMinutes !== undefined ? this.options.maxMinutes * 60_000 - elapsed : Infinity;
    return Math.max(0, Math.min(estimate, cap));
  }

  handle(event: SearchEvent): void {
    switch (event.type) {
      case 'TrialStarted':
        this.running.add(event.detail.trial);
        break;
      case 'TrialCompleted':
        this.running.delete(event.detail.trial);
        this.done++;
        this.trialTime += event.detail.durationMs;
        if (this.best === undefined || betterThan(event.detail.value, this.best, this.options.direction)) this.best = event.detail.value;
        this.line(`trial ${event.detail.trial} completed: ${this.options.metric} ${formatValue(event.detail.value)} in ${formatDuration(event.detail.durationMs)}`);
        break;
      case 'TrialFailed':
        this.running.delete(event.detail.trial);
        this.done++;
        this.failed++;
        this.line(`trial ${event.detail.trial} failed: ${event.detail.error.name}: ${event.detail.error.message}`);
        break;
      case 'TrialInfeasible':
      case 'TrialPruned':
        if (this.running.delete(event.detail.trial)) this.done++;
        this.line(`trial ${event.detail.trial} ${event.type === 'TrialPruned' ? 'pruned' : 'infeasible'}: ${event.detail.reason}`);
        break;
      default:
        return;
    }
    this.bar?.update(this.done, this.payload());
  }

  /** Messages go above the bar on a terminal, as plain lines otherwise. */
  private line(text: string): void {
    if (this.bar) return;
    this.options.write(text);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.bar) {
      this.bar.update(this.done, this.payload());
      this.bar.stop();
    }
  }
}
