/**
 * A seeded orthogonal initializer computed in plain arithmetic. tfjs's own `orthogonal`
 * runs a QR decomposition through tensor ops that takes seconds for a 64-unit LSTM and
 * half a minute for 128 units, at build and again at every model load.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../random.js';
import { registerCustomClass } from './base.js';

/** The tfjs initializer interface (the class itself is not exported by tfjs). */
type Initializer = ReturnType<typeof tf.initializers.zeros>;

/**
 * tfjs recognizes initializers with `instanceof` against its own base class, which it does
 * not export; reach it through a built-in initializer's prototype chain.
 */
const InitializerBase = Object.getPrototypeOf(tf.initializers.zeros().constructor) as (abstract new () => Initializer) &
  Pick<typeof tf.serialization.Serializable, 'fromConfig'>;

/**
 * A `rows` × `cols` matrix (row-major) with orthonormal columns when rows ≥ cols, or
 * orthonormal rows otherwise, as Keras builds it: the Q factor of a standard normal matrix,
 * with R's diagonal made positive, transposed when the matrix is wide. The normal draws fill
 * the tall matrix row by row from `createRng(seed, 'orthogonal')`. Modified Gram-Schmidt,
 * run twice per column for accuracy, in double precision.
 */
export function orthogonalMatrix(rows: number, cols: number, seed: number): Float64Array {
  const [tall, narrow] = [Math.max(rows, cols), Math.min(rows, cols)];
  const rng = createRng(seed, 'orthogonal');
  // columns[j] is column j of the tall [tall, narrow] matrix.
  const columns = Array.from({ length: narrow }, () => new Float64Array(tall));
  for (let i = 0; i < tall; i++) for (const column of columns) column[i] = rng.normal();
  columns.forEach((column, j) => {
    for (let pass = 0; pass < 2; pass++) {
      for (const previous of columns.slice(0, j)) {
        let dot = 0;
        for (let i = 0; i < tall; i++) dot += (previous[i] as number) * (column[i] as number);
        for (let i = 0; i < tall; i++) column[i] = (column[i] as number) - dot * (previous[i] as number);
      }
    }
    const norm = Math.sqrt(column.reduce((sum, value) => sum + value * value, 0));
    if (!(norm > 1e-12)) throw new RangeError('orthogonal initializer drew a degenerate matrix');
    for (let i = 0; i < tall; i++) column[i] = (column[i] as number) / norm;
  });
  const matrix = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      matrix[r * cols + c] = rows >= cols ? (columns[c]?.[r] as number) : (columns[r]?.[c] as number);
    }
  }
  return matrix;
}

/** Arguments of {@link SeededOrthogonal}. */
export interface SeededOrthogonalArgs {
  /** Seed of the underlying normal draw. */
  readonly seed: number;
  /** Factor applied to the orthogonal matrix; 1 by default. */
  readonly gain?: number;
}

/**
 * Orthogonal initialization (Keras's default for recurrent kernels) from a seed. The shape
 * is flattened to [product of leading dims, last dim] and filled by {@link orthogonalMatrix}.
 */
export class SeededOrthogonal extends InitializerBase {
  /** Serialization name. */
  static className = 'SeededOrthogonal';
  /** Seed of the underlying normal draw. */
  readonly seed: number;
  /** Factor applied to the orthogonal matrix. */
  readonly gain: number;

  constructor(args: SeededOrthogonalArgs) {
    super();
    this.seed = args.seed;
    this.gain = args.gain ?? 1;
  }

  override apply(shape: tf.Shape, dtype?: tf.DataType): tf.Tensor {
    if (dtype !== undefined && dtype !== 'float32') throw new TypeError(`SeededOrthogonal makes float32 values, not ${dtype}`);
    const dims = shape.map((dim) => {
      if (dim === null || !Number.isInteger(dim) || dim < 1) throw new RangeError(`SeededOrthogonal needs a known shape, got [${shape.join(', ')}]`);
      return dim;
    });
    if (dims.length < 2) throw new RangeError(`SeededOrthogonal needs a shape of rank 2 or more, got [${dims.join(', ')}]`);
    const cols = dims[dims.length - 1] as number;
    const rows = dims.slice(0, -1).reduce((product, dim) => product * dim, 1);
    const values = Float32Array.from(orthogonalMatrix(rows, cols, this.seed), (value) => value * this.gain);
    return tf.tensor(values, dims, 'float32');
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { seed: this.seed, gain: this.gain };
  }
}
registerCustomClass(SeededOrthogonal);
