/**
 * Chooses and initialises the TensorFlow.js backend that trains models: native
 * TensorFlow through the optional `@tensorflow/tfjs-node` when it loads, else the
 * WebAssembly backend (with the extra training kernels it lacks), else pure-JS `cpu`.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { ModelsmithError } from '../core/errors.js';
import { registerFasterGradients } from './gradients.js';

/** What the caller asks for: `auto` picks the fastest backend that works here. */
export type BackendPreference = 'auto' | 'node' | 'wasm' | 'cpu';

/** The tfjs name of a backend modelsmith trains on. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The backend in use, and a one-line explanation for people (logs, CLI banners). */
export interface BackendInfo {
  readonly name: BackendName;
  /** e.g. `wasm (SIMD, 1 thread); @tensorflow/tfjs-node not used: not installed`. */
  readonly detail: string;
}

/** An explicitly requested backend (`node` or `wasm`) cannot be used on this machine. */
export class BackendUnavailableError extends ModelsmithError {}

const NODE_PACKAGE = '@tensorflow/tfjs-node';
/** The CUDA build of tfjs-node (the GPU trainer image installs it); preferred when present. */
const NODE_GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';
const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

type Attempt = { ok: true; detail: string } | { ok: false; reason: string };

const selections = new Map<BackendPreference, Promise<BackendInfo>>();

/**
 * Makes the preferred backend the active tfjs backend and reports which one it is.
 *
 * `auto` tries `@tensorflow/tfjs-node` (an optional dependency, which may be absent or
 * installed without its native binary), then wasm, then cpu. `node` and `wasm` insist on
 * that backend and throw {@link BackendUnavailableError} when it cannot be used; `cpu`
 * always works. Idempotent: the selection for a preference is made once per process;
 * later calls return the same object and only re-activate the backend if something else
 * switched away from it.
 */
export async function initBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  let pending = selections.get(preference);
  if (pending === undefined) {
    pending = select(preference);
    selections.set(preference, pending);
    pending.catch(() => selections.delete(preference));
  }
  const info = await pending;
  if (tf.getBackend() !== info.name && !(await tf.setBackend(info.name))) {
    throw new BackendUnavailableError(`tfjs backend '${info.name}' could not be re-activated`);
  }
  return info;
}

async function select(preference: BackendPreference): Promise<BackendInfo> {
  registerFasterGradients();
  switch (preference) {
    case 'node': {
      const node = await tryNode();
      if (node.ok) return { name: 'tensorflow', detail: node.detail };
      throw new BackendUnavailableError(`${NODE_PACKAGE} cannot be used: ${node.reason}`);
    }
    case 'wasm': {
      const wasm = await tryWasm();
      if (wasm.ok) return { name: 'wasm', detail: wasm.detail };
      throw new BackendUnavailableError(`the wasm backend cannot be used: ${wasm.reason}`);
    }
    case 'cpu':
      return { name: 'cpu', detail: await activateCpu() };
    case 'auto': {
      const node = await tryNode();
      if (node.ok) return { name: 'tensorflow', detail: node.detail };
      const nodeNote = `${NODE_PACKAGE} not used: ${node.reason}`;
      const wasm = await tryWasm();
      if (wasm.ok) return { name: 'wasm', detail: `${wasm.detail}; ${nodeNote}` };
      return { name: 'cpu', detail: `${await activateCpu()}; wasm not used: ${wasm.reason}; ${nodeNote}` };
    }
    default:
      throw new BackendUnavailableError(`unknown backend preference '${String(preference)}'`);
  }
}

function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** Whether `specifier` resolves from here, without loading it. */
function isInstalled(specifier: string): boolean {
  try {
    createRequire(import.meta.url).resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/** Native TensorFlow: the GPU build when installed, else the CPU build. */
async function tryNode(): Promise<Attempt> {
  if (isInstalled(NODE_GPU_PACKAGE)) {
    const gpu = await tryNativePackage(NODE_GPU_PACKAGE);
    if (gpu.ok) return gpu;
    if (!isInstalled(NODE_PACKAGE)) return gpu;
  }
  if (!isInstalled(NODE_PACKAGE)) return { ok: false, reason: 'not installed' };
  return tryNativePackage(NODE_PACKAGE);
}

async function tryNativePackage(packageName: string): Promise<Attempt> {
  try {
    // A variable specifier: the package is optional and has no types in this project.
    const specifier: string = packageName;
    await import(specifier);
  } catch (error) {
    return { ok: false, reason: `installed but failed to load (${errorMessage(error)})` };
  }
  // tfjs-node registers its backend on the engine of the @tensorflow/tfjs it requires;
  // seeing it here proves that engine is the one this process trains with.
  if (tf.findBackendFactory('tensorflow') == null) {
    return { ok: false, reason: 'loaded, but its backend is not registered with this tfjs engine (version mismatch?)' };
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, reason: 'its backend failed to initialise' };
  } catch (error) {
    return { ok: false, reason: `its backend failed to initialise (${errorMessage(error)})` };
  }
  return { ok: true, detail: `tensorflow (native TensorFlow via ${packageName})` };
}

async function tryWasm(): Promise<Attempt> {
  let threadsCount: (() => number) | undefined;
  try {
    // A literal specifier, so bundlers (the trainer Lambda's esbuild) include the package.
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as { getThreadsCount?: () => number };
    threadsCount = wasm.getThreadsCount;
  } catch (error) {
    return { ok: false, reason: `${WASM_PACKAGE} failed to load (${errorMessage(error)})` };
  }
  try {
    // Loaded on demand: it pulls in the wasm package, which only this path needs.
    const kernels = await import('./wasm-kernels/index.js');
    kernels.registerWasmTrainingKernels();
  } catch (error) {
    return { ok: false, reason: `its training kernels failed to register (${errorMessage(error)})` };
  }
  try {
    if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'its WebAssembly module failed to initialise' };
    await tf.ready();
  } catch (error) {
    return { ok: false, reason: `its WebAssembly module failed to initialise (${errorMessage(error)})` };
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = threadsCount?.() ?? 1;
  return { ok: true, detail: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})` };
}

async function activateCpu(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new BackendUnavailableError("tfjs backend 'cpu' failed to initialise");
  await tf.ready();
  return 'cpu (pure JavaScript)';
}
