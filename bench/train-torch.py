"""PyTorch reference for bench/train.ts: trains the same architectures (read from the
modelsmith Architecture JSON the bench sends, so both sides build the same layers) with
the same optimizer (Adam), batch size and loss (cross-entropy on clipped softmax
probabilities), on one thread, and prints per-epoch wall-clock and CPU time marks as
JSON (the first epoch is the warm-up; bench/train.ts summarizes).

    echo '{"epochs": 3, "classes": 10, "learningRate": 0.001, "seed": 1,
           "models": [{"name": "mlp", "samples": 8192, "batchSize": 64,
                       "architecture": {...}}]}' | python3 bench/train-torch.py

Images are laid out channels-first as PyTorch expects (the permutation is done once, when
the random data are made, not per batch).
"""
import json
import math
import os
import sys
import time

# One core means one thread everywhere: without these, the BLAS and OpenMP pools start a
# thread per core that spins beside the one torch.set_num_threads(1) leaves.
for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import torch  # noqa: E402 (after the thread settings it reads at import)
from torch import nn  # noqa: E402

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass  # already set in this process


def activation(name):
    return {
        "relu": nn.ReLU(),
        "elu": nn.ELU(),
        "selu": nn.SELU(),
        "tanh": nn.Tanh(),
        "sigmoid": nn.Sigmoid(),
        "swish": nn.SiLU(),
        "linear": nn.Identity(),
        "softmax": nn.Softmax(dim=-1),
    }[name]


class Recurrent(nn.Module):
    """LSTM or GRU over [batch, steps, features]; the last step (or every step)."""

    def __init__(self, spec, features):
        super().__init__()
        cls = nn.LSTM if spec["cell"] == "lstm" else nn.GRU
        self.rnn = cls(features, spec["units"], batch_first=True, bidirectional=spec["bidirectional"])
        self.sequences = spec["returnSequences"]
        self.units = spec["units"]

    def forward(self, x):
        out, _ = self.rnn(x)
        if self.sequences:
            return out
        if self.rnn.bidirectional:
            return torch.cat([out[:, -1, : self.units], out[:, 0, self.units :]], dim=-1)
        return out[:, -1, :]


class PositionalEncoding(nn.Module):
    """Adds the fixed sinusoidal table of modelsmith's PositionalEncoding layer."""

    def __init__(self, steps, width):
        super().__init__()
        table = torch.zeros(steps, width)
        for step in range(steps):
            for feature in range(width):
                pair = feature - feature % 2
                angle = step / 10000 ** (pair / width)
                table[step, feature] = math.sin(angle) if feature % 2 == 0 else math.cos(angle)
        self.register_buffer("table", table)

    def forward(self, x):
        return x + self.table


class EncoderBlock(nn.Module):
    """Post-norm encoder block as modelsmith builds it: separate q, k, v, output
    projections with biases, softmax(q kᵀ / √d) v per head, residual + layer norm, then
    dense relu → dense, residual + layer norm."""

    def __init__(self, spec, width):
        super().__init__()
        inner = spec["heads"] * spec["headDim"]
        self.heads, self.head_dim = spec["heads"], spec["headDim"]
        self.query, self.key, self.value = nn.Linear(width, inner), nn.Linear(width, inner), nn.Linear(width, inner)
        self.output = nn.Linear(inner, width)
        self.drop1, self.drop2 = nn.Dropout(spec["dropout"]), nn.Dropout(spec["dropout"])
        self.norm1, self.norm2 = nn.LayerNorm(width, eps=1e-3), nn.LayerNorm(width, eps=1e-3)
        self.hidden, self.project = nn.Linear(width, spec["ffDim"]), nn.Linear(spec["ffDim"], width)

    def forward(self, x):
        batch, steps, _ = x.shape

        def split(t):
            return t.reshape(batch, steps, self.heads, self.head_dim).transpose(1, 2)

        q = split(self.query(x)) * (1 / math.sqrt(self.head_dim))
        k, v = split(self.key(x)), split(self.value(x))
        weights = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        context = (weights @ v).transpose(1, 2).reshape(batch, steps, self.heads * self.head_dim)
        x = self.norm1(x + self.drop1(self.output(context)))
        return self.norm2(x + self.drop2(self.project(torch.relu(self.hidden(x)))))


class SequencePool(nn.Module):
    def __init__(self, mode):
        super().__init__()
        self.mode = mode

    def forward(self, x):
        return x.mean(dim=1) if self.mode == "mean" else x[:, -1, :]


def build(architecture):
    """An nn.Sequential for a modelsmith Architecture; returns it and the torch input shape."""
    shape = list(architecture["inputShape"])
    if len(shape) == 3:  # [h, w, c] → [c, h, w]
        shape = [shape[2], shape[0], shape[1]]
    torch_input = list(shape)
    layers = []
    for spec in architecture["layers"]:
        kind = spec["type"]
        if kind == "flatten":
            layers.append(nn.Flatten())
            shape = [math.prod(shape)]
        elif kind == "dense":
            layers += [nn.Linear(shape[-1], spec["units"]), activation(spec["activation"])]
            shape = shape[:-1] + [spec["units"]]
        elif kind == "dropout":
            layers.append(nn.Dropout(spec["rate"]))
        elif kind == "conv2d":
            layers += [nn.Conv2d(shape[0], spec["filters"], spec["kernel"], padding="same"), activation(spec["activation"])]
            shape = [spec["filters"], shape[1], shape[2]]
        elif kind == "pool2d":
            layers.append(nn.MaxPool2d(2, 2) if spec["mode"] == "max" else nn.AvgPool2d(2, 2))
            shape = [shape[0], shape[1] // 2, shape[2] // 2]
        elif kind == "recurrent":
            layers.append(Recurrent(spec, shape[-1]))
            width = spec["units"] * (2 if spec["bidirectional"] else 1)
            shape = [shape[0], width] if spec["returnSequences"] else [width]
        elif kind == "positionalEncoding":
            layers.append(PositionalEncoding(shape[0], shape[1]))
        elif kind == "transformerEncoder":
            layers.append(EncoderBlock(spec, shape[-1]))
        elif kind == "sequencePool":
            layers.append(SequencePool(spec["mode"]))
            shape = [shape[-1]]
        else:
            raise ValueError(f"unknown layer type {kind}")
    return nn.Sequential(*layers), torch_input


def loss_of(probabilities, targets, classes):
    """modelsmith's lossOf: mean of -Σ onehot · log(clip(p, 1e-7, 1 - 1e-7))."""
    one_hot = nn.functional.one_hot(targets, classes).to(probabilities.dtype)
    clipped = probabilities.clamp(1e-7, 1 - 1e-7)
    return -(one_hot * clipped.log()).sum(-1).mean()


def measure(request, model_request):
    torch.manual_seed(request["seed"])
    classes = request["classes"]
    model, input_shape = build(model_request["architecture"])
    samples, batch = model_request["samples"], model_request["batchSize"]
    x = torch.rand([samples] + input_shape) * 2 - 1
    y = torch.randint(0, classes, (samples,))
    optimizer = torch.optim.Adam(model.parameters(), lr=request["learningRate"], eps=1e-7)
    model.train()
    # [wall ms, process CPU µs] at the start and after each epoch, as bench/train.ts records them.
    marks = [[time.perf_counter() * 1000, time.process_time() * 1e6]]
    for _ in range(1 + request["epochs"]):
        order = torch.randperm(samples)
        total = 0.0
        for first in range(0, samples, batch):
            rows = order[first : first + batch]
            xb, yb = x[rows], y[rows]
            optimizer.zero_grad()
            loss = loss_of(model(xb), yb, classes)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)  # a sync per step, as the tfjs loop reads each loss
        if not math.isfinite(total):
            raise RuntimeError(f"{model_request['name']}: loss diverged")
        marks.append([time.perf_counter() * 1000, time.process_time() * 1e6])
    return {"model": model_request["name"], "samples": samples, "batchSize": batch, "marks": marks}


def blas_in_use():
    """The BLAS library torch's matrix products run on, and whether it is Debian's
    unoptimized reference BLAS (python3-torch depends on any libblas.so.3; without
    OpenBLAS installed it gets the reference one, several times slower on dense layers)."""
    try:
        with open("/proc/self/maps", encoding="utf8") as maps:
            paths = {line.split()[-1] for line in maps if "blas" in line.lower() or "mkl" in line.lower()}
    except OSError:
        paths = set()
    libraries = sorted(p for p in paths if p.startswith("/"))
    if not libraries:
        build = torch.__config__.show()
        info = next((part.split("=", 1)[1] for part in build.replace(",", " ").split() if part.startswith("BLAS_INFO=")), "unknown")
        return {"library": f"linked into torch (BLAS_INFO={info})", "reference": False}
    blas = next((p for p in libraries if "libblas" in p or "openblas" in p or "mkl" in p), libraries[0])
    return {"library": "/".join(blas.split("/")[-2:]), "reference": "/blas/libblas.so" in blas}


def main():
    request = json.load(sys.stdin)
    results = [measure(request, m) for m in request["models"]]
    report = {"version": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_in_use(), "results": results}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
