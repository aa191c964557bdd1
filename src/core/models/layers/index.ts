/** The custom tfjs layers and initializer the model builder needs, and their one-call registration. */
import { registerCustomClass } from './base.js';
import { LastStep } from './last-step.js';
import { MultiHeadSelfAttention } from './multi-head-self-attention.js';
import { PositionalEncoding } from './positional-encoding.js';
import { SeededDropout } from './seeded-dropout.js';
import { SeededOrthogonal } from './seeded-orthogonal.js';

export { CUSTOM_LAYER_PACKAGE } from './base.js';
export { LastStep } from './last-step.js';
export { MultiHeadSelfAttention, type MultiHeadSelfAttentionArgs } from './multi-head-self-attention.js';
export { PositionalEncoding, sinusoidalTable } from './positional-encoding.js';
export { SeededDropout, type SeededDropoutArgs } from './seeded-dropout.js';
export { SeededOrthogonal, orthogonalMatrix, type SeededOrthogonalArgs } from './seeded-orthogonal.js';

/** Every custom layer class, as saved model topologies name them. */
export const CUSTOM_LAYERS = [PositionalEncoding, MultiHeadSelfAttention, SeededDropout, LastStep] as const;

/** Every custom initializer class. */
export const CUSTOM_INITIALIZERS = [SeededOrthogonal] as const;

/**
 * Make sure every custom layer and initializer is registered with tfjs serialization, so
 * `tf.loadLayersModel` can rebuild saved models. Importing this module already registers
 * them; calling it again is harmless.
 */
export function registerCustomLayers(): void {
  for (const cls of [...CUSTOM_LAYERS, ...CUSTOM_INITIALIZERS]) registerCustomClass(cls);
}
