/** Exporting trained models for other runtimes: ONNX, and TensorFlow.js files at reduced weight precision. */
export { buildOnnxModel, exportOnnx, onnxSupport, OnnxExportError, ONNX_INPUT, ONNX_IR_VERSION, ONNX_OPSET, ONNX_OUTPUT, type OnnxExportOptions } from './onnx.js';
export { decodeOnnxModel, encodeOnnxModel, type OnnxModel } from './onnx-proto.js';
export {
  bundleArtifacts,
  float16Bits,
  float16Value,
  loadBundle,
  modelArtifacts,
  tfjsBundles,
  uint8Range,
  WEIGHT_PRECISIONS,
  WEIGHTS_FILE,
  type LayersModelJson,
  type TfjsBundle,
  type WeightPrecision,
} from './tfjs-bundle.js';
export { modelWeights, type WeightTensor } from './weights.js';
