/** The model families of the core: describe an assignment as layers, estimate its cost, build it in tfjs. */
export { describeArchitecture } from './architecture.js';
export { buildModel } from './build.js';
export { attentionCost, estimateCost, layerCost } from './cost.js';
export {
  CUSTOM_INITIALIZERS,
  CUSTOM_LAYER_PACKAGE,
  CUSTOM_LAYERS,
  LastStep,
  MultiHeadSelfAttention,
  PositionalEncoding,
  SeededDropout,
  SeededOrthogonal,
  orthogonalMatrix,
  registerCustomLayers,
  sinusoidalTable,
  type MultiHeadSelfAttentionArgs,
  type SeededDropoutArgs,
  type SeededOrthogonalArgs,
} from './layers/index.js';
export { layerOutputShape, traceShapes, type Shape } from './shapes.js';
export type { Activation, Architecture, DataShape, LayerSpec, ModelCost } from './types.js';
