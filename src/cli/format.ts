/**
 * How searches, trials and metrics read in a terminal: the leaderboard, a search's
 * summary, durations and numbers. Pure functions from records to text.
 */
import Table from 'cli-table3';
import type { Metrics } from '../core/metrics/names.js';
import { bestTrial } from '../app/progress.js';
import { compileSpace } from '../core/space/space.js';
import type { SearchRecord, TrialRecord } from '../ports/records.js';

/** "1m 05s", "12.3s", "850ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return minutes < 60 ? `${minutes}m ${String(rest).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/** A metric value with four significant decimals. */
export function formatValue(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  return Math.abs(value) >= 1000 ? value.toFixed(1) : value.toFixed(4);
}

/** "12.3k" style counts. */
export function formatCount(value: number | undefined): string {
  if (value === undefined) return '-';
  if (value >= 1e9) return `${(value / 1e9).toFixed(1)}G`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return String(value);
}

/**
 * The hyperparameters worth showing in one line, family-specific ones without their
 * prefix; `fixed` names parameters with one possible value, which are left out.
 */
export function formatAssignment(assignment: TrialRecord['assignment'], fixed: ReadonlySet<string> = new Set()): string {
  return Object.entries(assignment)
    .filter(([k]) => k !== 'family' && !fixed.has(k))
    .map(([k, v]) => `${k.replace(/^[a-z]+\./, '')}=${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : String(v)}`)
    .join(' ');
}

/** Completed trials, best first (in a multi-fidelity search, those trained longest first). */
export function rankTrials(search: SearchRecord, trials: readonly TrialRecord[]): TrialRecord[] {
  const sign = search.objective.direction === 'maximize' ? -1 : 1;
  return trials
    .filter((t) => t.status === 'completed' && t.value !== undefined)
    .sort(
      (a, b) =>
        (b.fidelity ?? Infinity) - (a.fidelity ?? Infinity) || sign * ((a.value as number) - (b.value as number)) || a.number - b.number,
    );
}

/** The leaderboard: the best `limit` completed trials with their scores and sizes. */
export function leaderboard(search: SearchRecord, trials: readonly TrialRecord[], limit = 10): string {
  const metric = search.objective.metric as keyof Metrics;
  const others = (search.spec.task === 'classification' ? ['accuracy', 'f1_macro', 'log_loss'] : ['rmse', 'mae', 'r2']).filter(
    (m) => m !== metric,
  ) as (keyof Metrics)[];
  const fixed = new Set(
    compileSpace(search.spec.space)
      .parameters.filter((p) => p.kind === 'categorical' && p.choices.length === 1)
      .map((p) => p.name),
  );
  const fidelities = trials.some((t) => t.fidelity !== undefined);
  const table = new Table({
    head: ['#', 'trial', 'family', ...(fidelities ? ['epochs'] : []), `${metric} (CV)`, ...others, 'params', 'time', 'hyperparameters'],
    style: { head: [], border: [], compact: true },
    colAligns: ['right', 'right', 'left', ...(fidelities ? ['right' as const] : []), 'right', ...others.map(() => 'right' as const), 'right', 'right', 'left'],
  });
  rankTrials(search, trials)
    .slice(0, limit)
    .forEach((t, i) => {
      const std = t.metricsStd?.[metric];
      table.push([
        String(i + 1),
        String(t.number),
        String(t.assignment.family),
        ...(fidelities ? [String(t.fidelity ?? t.assignment.epochs)] : []),
        `${formatValue(t.value)}${std !== undefined ? ` ± ${formatValue(std)}` : ''}`,
        ...others.map((m) => formatValue(t.metrics?.[m])),
        formatCount(t.cost?.params),
        formatDuration(t.durationMs ?? Number.NaN),
        truncate(formatAssignment(t.assignment, fixed), 72),
      ]);
    });
  return table.toString();
}

/** The Pareto front of a multi-objective search: each trial's value on every objective. */
export function paretoTable(search: SearchRecord, trials: readonly TrialRecord[]): string | undefined {
  const objectives = search.objectives ?? [];
  if (objectives.length < 2 || !search.paretoFront?.length) return undefined;
  const table = new Table({
    head: ['trial', 'family', ...objectives.map((o) => `${o.metric} (${o.direction === 'maximize' ? 'max' : 'min'})`)],
    style: { head: [], border: [], compact: true },
  });
  const byNumber = new Map(trials.map((t) => [t.number, t]));
  const front = search.paretoFront.map((n) => byNumber.get(n)).filter((t): t is TrialRecord => t !== undefined);
  front.sort((a, b) => ((a.values?.[0] ?? 0) - (b.values?.[0] ?? 0)) * (objectives[0]?.direction === 'maximize' ? -1 : 1));
  for (const t of front) {
    table.push([String(t.number), String(t.assignment.family), ...(t.values ?? []).map((v, i) => (objectives[i]?.metric === 'params' || objectives[i]?.metric === 'flops' ? formatCount(v) : formatValue(v)))]);
  }
  return `Pareto front (${front.length} trade-offs; none is better on every objective):\n${table.toString()}`;
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Counts by trial status, e.g. "12 completed, 1 failed, 3 infeasible". */
export function statusCounts(trials: readonly TrialRecord[]): string {
  const counts = new Map<string, number>();
  for (const t of trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  return [...counts.entries()].map(([s, n]) => `${n} ${s}`).join(', ') || 'no trials';
}

/** Trials that did not complete, with the reason, for the end of a run. */
export function problems(trials: readonly TrialRecord[], limit = 8): string[] {
  const lines = trials
    .filter((t) => t.status === 'failed' || t.status === 'infeasible')
    .map((t) => `  trial ${t.number} ${t.status}: ${t.status === 'failed' ? `${t.error?.name}: ${t.error?.message}` : t.reason}`);
  return lines.length > limit ? [...lines.slice(0, limit), `  ... and ${lines.length - limit} more`] : lines;
}

/** A search's outcome in a few lines. */
export function searchSummary(search: SearchRecord, trials: readonly TrialRecord[], artifactsRoot?: string): string {
  const lines: string[] = [];
  const elapsed = search.finishedAt ? Date.parse(search.finishedAt) - Date.parse(search.createdAt) : Number.NaN;
  lines.push(`search ${search.searchId} ${search.status}${Number.isFinite(elapsed) ? ` in ${formatDuration(elapsed)}` : ''} (${statusCounts(trials)})`);
  if (search.stopReason) lines.push(`stopped: ${search.stopReason}`);
  if (search.costUsd) lines.push(`estimated cloud cost: $${search.costUsd.toFixed(4)} (if run on AWS at list prices)`);
  const best = bestTrial(trials, search.objective.direction);
  if (best) {
    const std = best.metricsStd?.[search.objective.metric as keyof Metrics];
    lines.push(
      `best: trial ${best.number} (${best.assignment.family}) ${search.objective.metric} ${formatValue(best.value)}${std !== undefined ? ` ± ${formatValue(std)}` : ''} over ${search.spec.evaluation.folds}-fold CV`,
    );
  }
  if (search.final) {
    const test = Object.entries(search.final.testMetrics)
      .map(([k, v]) => `${k} ${formatValue(v)}`)
      .join(', ');
    lines.push(`final model: refit for ${search.final.epochs} epochs; held-out test (${search.dataset.test} examples): ${test}`);
    const metric = search.objective.metric as keyof Metrics;
    const baseline = search.final.baselineMetrics?.[metric];
    if (baseline !== undefined) {
      const what = search.spec.task === 'classification' ? 'predicting class frequencies' : 'predicting the mean';
      lines.push(`baseline (${what}) on the same test split: ${metric} ${formatValue(baseline)}`);
    }
  }
  if (search.modelVersion) {
    const where = artifactsRoot ? ` in ${artifactsRoot}/models/${search.modelVersion.name}/versions/${search.modelVersion.version}/` : '';
    lines.push(`registered: ${search.modelVersion.name} version ${search.modelVersion.version}${where}`);
  }
  if (search.error) lines.push(`error: ${search.error.name}: ${search.error.message}`);
  return lines.join('\n');
}
