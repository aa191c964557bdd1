/**
 * Multi-head scaled dot-product self-attention over every step of a [steps, width]
 * sequence, with learned query, key, value and output projections (all with biases).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../random.js';
import { registerCustomClass, singleShape, singleTensor, type BaseLayerArgs } from './base.js';

/** Arguments of {@link MultiHeadSelfAttention}. */
export interface MultiHeadSelfAttentionArgs extends BaseLayerArgs {
  /** Attention heads. */
  readonly heads: number;
  /** Size of each head's query, key and value. */
  readonly headDim: number;
  /** Seed of the projection kernels' glorot-uniform initializers. */
  readonly seed: number;
}

/** A learned affine map applied along the last axis. */
interface Projection {
  readonly kernel: tf.LayerVariable;
  readonly bias: tf.LayerVariable;
}

/** The names of the four projections, in weight order. */
const PROJECTIONS = ['query', 'key', 'value', 'output'] as const;
type ProjectionName = (typeof PROJECTIONS)[number];

/** Apply a projection to a [..., in] tensor, giving [..., out]. */
function project(input: tf.Tensor, projection: Projection): tf.Tensor {
  const kernel = projection.kernel.read();
  const [inputs = 0, outputs = 0] = kernel.shape;
  const flat = tf.reshape(input, [-1, inputs]);
  const mapped = tf.add(tf.matMul(flat, kernel), projection.bias.read());
  return tf.reshape(mapped, [...input.shape.slice(0, -1), outputs]);
}

/**
 * Self-attention: input [batch, steps, width] → output [batch, steps, width]. Queries,
 * keys and values have heads × headDim features; each head attends over all steps with
 * softmax(q·kᵀ / √headDim)·v; the heads are concatenated and projected back to width.
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'MultiHeadSelfAttention';
  /** Attention heads. */
  readonly heads: number;
  /** Size of each head. */
  readonly headDim: number;
  /** Seed of the kernel initializers. */
  readonly seed: number;
  private projections?: Record<ProjectionName, Projection>;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    for (const key of ['heads', 'headDim'] as const) {
      if (!Number.isInteger(args[key]) || args[key] < 1) throw new RangeError(`${key} must be a positive integer, got ${args[key]}`);
    }
    this.heads = args.heads;
    this.headDim = args.headDim;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = singleShape(inputShape);
    const width = shape[shape.length - 1];
    if (shape.length !== 3 || width == null) {
      throw new RangeError(`MultiHeadSelfAttention needs [batch, steps, width] input, got [${shape.join(', ')}]`);
    }
    const inner = this.heads * this.headDim;
    const seeds = createRng(this.seed, 'attention');
    const projection = (name: ProjectionName): Projection => {
      const [inputs, outputs] = name === 'output' ? [inner, width] : [width, inner];
      const kernelInit = tf.initializers.glorotUniform({ seed: seeds.seed() });
      return {
        kernel: this.addWeight(`${name}_kernel`, [inputs, outputs], 'float32', kernelInit),
        bias: this.addWeight(`${name}_bias`, [outputs], 'float32', tf.initializers.zeros()),
      };
    };
    this.projections = { query: projection('query'), key: projection('key'), value: projection('value'), output: projection('output') };
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const projections = this.projections;
    if (!projections) throw new Error('MultiHeadSelfAttention called before build');
    const input = singleTensor(inputs);
    const [batch = 0, steps = 0] = input.shape;
    const { heads, headDim } = this;
    return tf.tidy(() => {
      // [batch, steps, heads·headDim] → [batch, heads, steps, headDim]
      const splitHeads = (x: tf.Tensor): tf.Tensor => tf.transpose(tf.reshape(x, [batch, steps, heads, headDim]), [0, 2, 1, 3]);
      const query = tf.mul(splitHeads(project(input, projections.query)), 1 / Math.sqrt(headDim));
      const key = splitHeads(project(input, projections.key));
      const value = splitHeads(project(input, projections.value));
      const weights = tf.softmax(tf.matMul(query, key, false, true));
      const context = tf.matMul(weights, value);
      const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, steps, heads * headDim]);
      return project(merged, projections.output);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, headDim: this.headDim, seed: this.seed };
  }
}
registerCustomClass(MultiHeadSelfAttention);
