"""Optuna's TPE and random samplers on Branin and Hartmann6 under the protocol of
bench/search.ts (sequential trials, median simple regret over seeds). Prints JSON rows.

    python3 bench/optuna-reference.py SEEDS TRIALS
"""
import json
import math
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(t):
    x1 = t.suggest_float("x1", -5, 10)
    x2 = t.suggest_float("x2", 0, 15)
    b, c, s = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - s) * math.cos(x1) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[v * 1e-4 for v in row] for row in [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                                           [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]]


def hartmann6(t):
    x = [t.suggest_float(f"x{j + 1}", 0, 1) for j in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


FUNCTIONS = [("Branin", branin, 0.397887357729738), ("Hartmann6", hartmann6, -3.32236801141551)]
SAMPLERS = [("optuna-tpe", lambda seed: optuna.samplers.TPESampler(seed=seed)),
            ("optuna-random", lambda seed: optuna.samplers.RandomSampler(seed=seed))]


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def main():
    seeds, trials = int(sys.argv[1]), int(sys.argv[2])
    checkpoints = [c for c in (50, 100) if c <= trials]
    rows = []
    for fname, fn, minimum in FUNCTIONS:
        for sname, make in SAMPLERS:
            regrets = [[] for _ in checkpoints]
            for seed in range(seeds):
                study = optuna.create_study(sampler=make(seed), direction="minimize")
                best = math.inf
                for t in range(1, trials + 1):
                    trial = study.ask()
                    value = fn(trial)
                    study.tell(trial, value)
                    best = min(best, value)
                    if t in checkpoints:
                        regrets[checkpoints.index(t)].append(best - minimum)
            rows.append({"strategy": sname, "fn": fname, "medians": [median(r) for r in regrets]})
    print(json.dumps(rows))


main()
