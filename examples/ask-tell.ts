/**
 * The ask/tell API from a plain script: minimize the Branin function with Bayesian
 * optimization — no datasets, no training. Run it with `npx tsx examples/ask-tell.ts`.
 */
import { createTuner } from 'modelsmith';

function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

const tuner = createTuner({
  space: { x1: { min: -5, max: 10 }, x2: { min: 0, max: 15 } },
  strategy: 'bayesian',
  direction: 'minimize',
  seed: 1,
});

for (let round = 0; round < 25; round++) {
  // Ask for two points at a time, as if two workers evaluated them in parallel.
  for (const trial of tuner.ask(2)) {
    tuner.tell(trial.id, branin(Number(trial.params.x1), Number(trial.params.x2)));
  }
}

const best = tuner.best();
console.log(`best of ${tuner.trials().length} trials: f(${Number(best?.params.x1).toFixed(4)}, ${Number(best?.params.x2).toFixed(4)}) = ${best?.value.toFixed(6)} (the minimum is 0.397887)`);
