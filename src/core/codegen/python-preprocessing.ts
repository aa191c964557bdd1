/**
 * The Python preprocessing module shared by the Keras and PyTorch targets: it reads CSV
 * files and applies the parameters of `preprocessing.json` exactly as modelsmith encodes
 * examples. The module is the same for every model, since everything model-specific is
 * read from the JSON file at run time.
 */
import { dedent } from './text.js';

/** `preprocessing.py`. */
export function pythonPreprocessing(): string {
  return `${dedent(`
    """Preprocessing modelsmith fitted for this model, applied to CSV files.

    Every parameter is read from preprocessing.json, which modelsmith wrote next to the code;
    nothing is refitted. Numeric columns are standardized, (x - center) / scale, with gaps
    filled by the training median; text columns are one-hot encoded over the training levels
    (levels unseen in training encode as all zeros, gaps as the training mode); image pixels
    are divided by the training maximum; a sequence example is a window of consecutive rows;
    a regression target is standardized for training and decoded after prediction.
    """
    import csv
    import json
    import math
    from pathlib import Path

    import numpy as np

    FORMAT = "modelsmith.preprocessing/1"
    DEFAULT_PATH = Path(__file__).resolve().parent.parent / "preprocessing.json"
    # Cell texts read as missing (compared trimmed and lower-cased), as modelsmith reads tables.
    MISSING = {"", "na", "nan", "n/a", "null", "none", "?"}


    def is_missing(cell):
        """Whether a cell counts as missing."""
        return cell.strip().lower() in MISSING


    def is_number(cell):
        """Whether a cell holds a finite number."""
        try:
            return math.isfinite(float(cell))
        except ValueError:
            return False


    def number_text(value):
        """A number written the way JavaScript writes it (how modelsmith names numeric classes)."""
        if math.isfinite(value) and value == int(value) and abs(value) < 1e21:
            return str(int(value))
        return repr(value)


    class Table:
        """The cells of a CSV file with a header row, by column name, each cell trimmed."""

        def __init__(self, columns, rows):
            self.columns = columns
            self.rows = rows

        @classmethod
        def read_csv(cls, path):
            with open(path, newline="", encoding="utf-8-sig") as file:
                records = [record for record in csv.reader(file) if record]
            if not records:
                raise ValueError(f"{path} is empty: expected a header row")
            header = [name.strip() for name in records[0]]
            if len(set(header)) != len(header):
                raise ValueError(f"{path}: a column name appears twice in the header")
            body = records[1:]
            columns = {
                name: [record[i].strip() if i < len(record) else "" for record in body]
                for i, name in enumerate(header)
            }
            return cls(columns, len(body))

        def column(self, name):
            if name not in self.columns:
                raise ValueError(f"the data has no column {name!r}, which the model needs")
            return self.columns[name]


    class Examples:
        """Encoded model inputs, their targets (None when not read) and the rows they came from.

        rows[i] is the 0-based data row (header not counted) of example i; for a sequence it
        is the window's last row, and the prediction is for the target horizon rows later.
        """

        def __init__(self, x, y, rows):
            self.x = x
            self.y = y
            self.rows = rows

        def __len__(self):
            return len(self.x)


    class Preprocessing:
        """The fitted preprocessing of a preprocessing.json document."""

        def __init__(self, parameters):
            if parameters.get("format") != FORMAT:
                raise ValueError(f"expected a {FORMAT} document")
            self.task = parameters["task"]
            self.kind = parameters["kind"]
            self.features = parameters["features"]
            self.target = parameters["target"]
            self.input_shape = tuple(parameters["inputShape"])
            self.window = parameters["window"]
            self.horizon = parameters["horizon"]
            self.order_by = parameters["orderBy"]
            self.classes = list(self.target.get("classes", []))
            self.class_index = {label: i for i, label in enumerate(self.classes)}

        @classmethod
        def load(cls, path=DEFAULT_PATH):
            with open(path, encoding="utf-8") as file:
                return cls(json.load(file))

        @property
        def width(self):
            """Encoded values per row."""
            return sum(1 if f["kind"] == "numeric" else len(f["levels"]) for f in self.features)

        def encode_rows(self, table):
            """Every row's encoded features, [rows, width] float32."""
            out = np.zeros((table.rows, self.width), dtype=np.float32)
            offset = 0
            for feature in self.features:
                name = feature["column"]
                cells = table.column(name)
                if feature["kind"] == "numeric":
                    for row, cell in enumerate(cells):
                        value = feature["fill"] if is_missing(cell) else self._number(cell, name)
                        out[row, offset] = (value - feature["center"]) / feature["scale"]
                    offset += 1
                    continue
                slots = {
                    level: slot
                    for slot, (level, known) in enumerate(zip(feature["levels"], feature["known"]))
                    if known
                }
                fill = slots.get(feature["fill"], -1)
                for row, cell in enumerate(cells):
                    slot = fill if is_missing(cell) else slots.get(cell, -1)
                    if slot >= 0:
                        out[row, offset + slot] = 1.0
                offset += len(feature["levels"])
            return out

        def targets(self, table):
            """Each row's training target (class index or standardized value), NaN when missing."""
            values = np.full(table.rows, np.nan)
            for row, cell in enumerate(table.column(self.target["column"])):
                if is_missing(cell):
                    continue
                if self.task == "classification":
                    values[row] = self._class_of(cell)
                else:
                    value = self._number(cell, self.target["column"])
                    values[row] = (value - self.target["center"]) / self.target["scale"]
            return values

        def row_order(self, table):
            """Rows in sequence order: sorted by the order column (stable), else file order.

            Rows without an order value come first.
            """
            if self.kind != "sequence" or self.order_by is None:
                return np.arange(table.rows)
            cells = table.column(self.order_by)
            if all(is_missing(cell) or is_number(cell) for cell in cells):
                keys = [-math.inf if is_missing(cell) else float(cell) for cell in cells]
            else:
                keys = ["" if is_missing(cell) else cell for cell in cells]
            return np.array(sorted(range(table.rows), key=lambda row: keys[row]), dtype=np.int64)

        def examples(self, table, labelled=True):
            """The model's examples in a table.

            labelled=True (training): the examples whose target is present, with targets.
            labelled=False (prediction): every example the rows make; targets are not read.
            """
            encoded = self.encode_rows(table)
            targets = self.targets(table) if labelled else None
            if self.kind != "sequence":
                rows = np.arange(table.rows)
                if labelled:
                    rows = rows[~np.isnan(targets)]
                x = encoded[rows].reshape((len(rows),) + self.input_shape)
                return Examples(x, targets[rows] if labelled else None, rows)
            order = self.row_order(table)
            ahead = self.horizon if labelled else 0
            starts, rows, y = [], [], []
            for start in range(table.rows - self.window - ahead + 1):
                if labelled:
                    value = targets[order[start + self.window - 1 + self.horizon]]
                    if np.isnan(value):
                        continue
                    y.append(value)
                starts.append(start)
                rows.append(order[start + self.window - 1])
            x = np.zeros((len(starts),) + self.input_shape, dtype=np.float32)
            for i, start in enumerate(starts):
                x[i] = encoded[order[start : start + self.window]]
            return Examples(x, np.array(y) if labelled else None, np.array(rows, dtype=np.int64))

        def decode(self, outputs):
            """Model outputs as predictions: class labels, or values in the target's units."""
            if self.task == "classification":
                return [self.classes[i] for i in np.argmax(outputs, axis=1)]
            return list(outputs[:, 0].astype(np.float64) * self.target["scale"] + self.target["center"])

        def write_predictions(self, file, rows, outputs):
            """Write one CSV line per example: its row, the prediction and, for a classifier,
            each class's probability."""
            writer = csv.writer(file, lineterminator="\\n")
            header = ["row", "prediction"]
            if self.task == "classification":
                header += [f"probability:{label}" for label in self.classes]
            writer.writerow(header)
            for row, prediction, output in zip(rows, self.decode(outputs), outputs):
                line = [int(row), prediction]
                if self.task == "classification":
                    line += [float(p) for p in output]
                writer.writerow(line)

        def _number(self, cell, column):
            if not is_number(cell):
                raise ValueError(f"column {column!r} holds {cell!r}; the model expects numbers")
            return float(cell)

        def _class_of(self, cell):
            if cell in self.class_index:
                return self.class_index[cell]
            if is_number(cell) and number_text(float(cell)) in self.class_index:
                return self.class_index[number_text(float(cell))]
            column = self.target["column"]
            raise ValueError(f"column {column!r} holds {cell!r}, not one of the model's classes")
  `)}\n`;
}
