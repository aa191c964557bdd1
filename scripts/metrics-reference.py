"""Builds seeded prediction sets, scores them with scikit-learn and writes
test/fixtures/metrics-reference.json, the reference the metric tests check against.

Run with a system Python that has numpy and scikit-learn:  python3 scripts/metrics-reference.py
"""

import json
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
)

OUTPUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "metrics-reference.json"
SKLEARN_VERSION = tuple(int(part) for part in sklearn.__version__.split(".")[:2])


def softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def informative_probabilities(rng, y_true, k, signal, noise=1.0):
    """Softmax of noisy logits that lean towards the true class."""
    logits = rng.normal(0.0, noise, size=(len(y_true), k))
    logits[np.arange(len(y_true)), y_true] += signal
    return softmax(logits)


def reference_log_loss(y_true, probabilities, k, eps):
    """sklearn's log loss with labels 0..k-1, clipping to [eps, 1 - eps] and then
    renormalizing every row (the behaviour of sklearn < 1.5, which also takes eps).
    sklearn >= 1.5 no longer renormalizes, so there the clip-and-renormalize step is done
    here first; after it sklearn's own clipping leaves the values unchanged."""
    labels = list(range(k))
    y64 = np.asarray(probabilities, dtype=np.float64)
    if SKLEARN_VERSION < (1, 5):
        return float(log_loss(y_true, y64, eps=eps, labels=labels))
    clipped = np.clip(y64, eps, 1 - eps)
    return float(log_loss(y_true, clipped / clipped.sum(axis=1, keepdims=True), labels=labels))


def classification_case(name, description, y_true, probabilities, dtype="float64"):
    y_true = np.asarray(y_true, dtype=np.int64)
    probabilities = np.asarray(probabilities, dtype=np.float32 if dtype == "float32" else np.float64)
    n, k = probabilities.shape
    assert len(y_true) == n and y_true.min() >= 0 and y_true.max() < k
    y_pred = probabilities.argmax(axis=1)  # first index wins ties, like the implementation

    expected = {"accuracy": float(accuracy_score(y_true, y_pred))}
    for average in ("macro", "weighted"):
        expected[f"precision_{average}"] = float(precision_score(y_true, y_pred, average=average, zero_division=0))
        expected[f"recall_{average}"] = float(recall_score(y_true, y_pred, average=average, zero_division=0))
        expected[f"f1_{average}"] = float(f1_score(y_true, y_pred, average=average, zero_division=0))

    omitted = {}
    try:
        if k == 2:
            auc = roc_auc_score(y_true, probabilities[:, 1])
        else:
            auc = roc_auc_score(y_true, probabilities, multi_class="ovr", average="macro", labels=list(range(k)))
        expected["roc_auc"] = float(auc)
    except ValueError as error:  # sklearn refuses: a class of 0..k-1 is absent from y_true
        omitted["roc_auc"] = str(error)

    eps = float(np.finfo(probabilities.dtype).eps)
    expected["log_loss"] = reference_log_loss(y_true, probabilities, k, eps)

    case = {
        "name": name,
        "description": description,
        "dtype": dtype,
        "classCount": int(k),
        "yTrue": [int(v) for v in y_true],
        "probabilities": [float(v) for v in probabilities.ravel()],
        "expected": expected,
        "omitted": omitted,
    }
    if dtype == "float32":
        # sklearn on the float32 array itself computes in float32: only good to ~1e-6.
        case["float32Arithmetic"] = {
            "log_loss": float(log_loss(y_true, probabilities, labels=list(range(k))))
        }
    return case


def regression_case(name, description, y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    expected = {
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "mae": float(mean_absolute_error(y_true, y_pred)),
    }
    omitted = {}
    r2 = float(r2_score(y_true, y_pred))
    if np.isnan(r2):
        omitted["r2"] = "sklearn returns nan: R^2 is not well-defined with fewer than two samples"
    else:
        expected["r2"] = r2
    return {
        "name": name,
        "description": description,
        "yTrue": [float(v) for v in y_true],
        "yPred": [float(v) for v in y_pred],
        "expected": expected,
        "omitted": omitted,
    }


def classification_cases():
    cases = []

    rng = np.random.default_rng(101)
    y = rng.integers(0, 2, size=60)
    p1 = np.round(np.clip(0.5 + 0.25 * (2 * y - 1) + rng.normal(0, 0.2, size=60), 0, 1), 1)
    cases.append(classification_case(
        "binary_ties",
        "binary, scores rounded to one decimal: many tied scores, some exactly 0.5 (argmax tie -> class 0), some 0 and 1",
        y, np.column_stack([1 - p1, p1])))

    rng = np.random.default_rng(102)
    y = rng.integers(0, 2, size=250)
    cases.append(classification_case(
        "binary_continuous", "binary, continuous softmax scores",
        y, informative_probabilities(rng, y, 2, signal=1.2)))

    rng = np.random.default_rng(103)
    y = rng.integers(0, 3, size=180)
    cases.append(classification_case(
        "multiclass_3", "3 classes, softmax scores",
        y, informative_probabilities(rng, y, 3, signal=1.5)))

    rng = np.random.default_rng(104)
    y = rng.integers(0, 10, size=400)
    cases.append(classification_case(
        "multiclass_10", "10 classes, softmax scores",
        y, informative_probabilities(rng, y, 10, signal=2.0)))

    rng = np.random.default_rng(105)
    y = rng.choice(4, size=120, p=[0.4, 0.3, 0.2, 0.1])
    probs = informative_probabilities(rng, y, 4, signal=1.5)
    probs[:, 3] *= 0.05
    probs /= probs.sum(axis=1, keepdims=True)
    cases.append(classification_case(
        "class_never_predicted",
        "4 classes, class 3 is in yTrue but never the argmax (its precision is 0 by zero_division)",
        y, probs))

    rng = np.random.default_rng(106)
    y = rng.choice([0, 1, 3], size=100)
    probs = informative_probabilities(rng, y, 4, signal=1.0)
    probs[:, 2] += 0.15
    probs /= probs.sum(axis=1, keepdims=True)
    assert (probs.argmax(axis=1) == 2).any()
    cases.append(classification_case(
        "class_missing_from_ytrue",
        "4 classes, class 2 never occurs in yTrue but is sometimes predicted: it counts in the macro averages; sklearn refuses ROC AUC",
        y, probs))

    rng = np.random.default_rng(107)
    y = rng.integers(0, 3, size=30)
    probs = np.tile([0.25, 0.25, 0.5], (30, 1))
    probs[0::3] = [0.4, 0.4, 0.2]
    probs[1::3] = [0.2, 0.4, 0.4]
    probs[2::3] = [1 / 3, 1 / 3, 1 / 3]
    cases.append(classification_case(
        "argmax_ties", "3 classes, every row has a tied maximum: the lowest index wins",
        y, probs))

    rng = np.random.default_rng(108)
    y = rng.integers(0, 3, size=60)
    probs = np.zeros((60, 3))
    probs[np.arange(60), rng.integers(0, 3, size=60)] = 1.0
    probs[::4] = informative_probabilities(rng, y[::4], 3, signal=1.0)
    cases.append(classification_case(
        "hard_zeros_and_ones",
        "3 classes, mostly one-hot rows (often on the wrong class): exercises clipping at eps and 1 - eps",
        y, probs))

    rng = np.random.default_rng(109)
    y = rng.integers(0, 3, size=90)
    probs = informative_probabilities(rng, y, 3, signal=1.0)
    probs *= 1 + rng.uniform(-2e-6, 2e-6, size=(90, 1))
    cases.append(classification_case(
        "unnormalized_rows",
        "3 classes, rows sum to 1 only within 2e-6: the renormalization after clipping is visible in log_loss",
        y, probs))

    rng = np.random.default_rng(110)
    y = rng.integers(0, 5, size=150)
    probs = informative_probabilities(rng, y, 5, signal=1.5).astype(np.float32)
    probs[::7, 0] = 0.0
    probs /= probs.sum(axis=1, keepdims=True)
    cases.append(classification_case(
        "float32_probabilities",
        "5 classes, float32 probabilities (some exactly 0): log_loss clips at float32 epsilon",
        y, probs, dtype="float32"))

    rng = np.random.default_rng(111)
    y = np.ones(20, dtype=np.int64)
    cases.append(classification_case(
        "binary_single_class", "binary, yTrue holds only class 1: ROC AUC is undefined",
        y, informative_probabilities(rng, y, 2, signal=1.0)))

    rng = np.random.default_rng(112)
    y = rng.integers(0, 3, size=45)
    cases.append(classification_case(
        "perfect", "3 classes, one-hot rows on the true class",
        y, np.eye(3)[y]))

    return cases


def regression_cases():
    cases = []
    rng = np.random.default_rng(201)
    y = rng.normal(10, 3, size=200)
    cases.append(regression_case("regression_noisy", "noisy linear predictions", y, 0.8 * y + 2 + rng.normal(0, 1.5, size=200)))

    rng = np.random.default_rng(202)
    y = 1e6 + rng.normal(0, 1, size=150)
    cases.append(regression_case("regression_large_offset", "targets near 1e6 with unit spread", y, y + rng.normal(0, 0.3, size=150)))

    rng = np.random.default_rng(203)
    y = rng.normal(0, 1, size=80)
    cases.append(regression_case("regression_worse_than_mean", "predictions anti-correlated with targets: r2 < 0", y, -y + rng.normal(0, 0.5, size=80)))

    cases.append(regression_case("regression_constant_target", "constant yTrue, imperfect predictions: r2 = 0", [3.5] * 12, np.linspace(2, 5, 12)))
    cases.append(regression_case("regression_constant_perfect", "constant yTrue predicted exactly: r2 = 1", [-2.25] * 7, [-2.25] * 7))
    cases.append(regression_case("regression_perfect", "exact predictions", [1.0, 2.0, 4.0, 8.0], [1.0, 2.0, 4.0, 8.0]))
    cases.append(regression_case("regression_single_sample", "one sample: r2 undefined", [2.0], [3.5]))
    return cases


def main():
    warnings.simplefilter("ignore")  # zero_division and single-sample warnings are expected
    fixture = {
        "about": "Reference metric values computed with scikit-learn by scripts/metrics-reference.py; do not edit by hand.",
        "generator": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
        },
        "classification": classification_cases(),
        "regression": regression_cases(),
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8") as handle:
        json.dump(fixture, handle, indent=1)
        handle.write("\n")
    print(f"wrote {OUTPUT.name}: {len(fixture['classification'])} classification and "
          f"{len(fixture['regression'])} regression cases (scikit-learn {sklearn.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
