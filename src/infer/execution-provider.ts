/**
 * Which ONNX Runtime execution provider runs a model. `auto` tries the fastest first and says
 * which one loaded; an explicit choice that cannot load is an error naming what is missing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';

export const DEVICES = ['auto', 'tensorrt', 'cuda', 'webgpu', 'cpu'] as const;
export type Device = (typeof DEVICES)[number];
export type Provider = Exclude<Device, 'auto'>;

export const AUTO_ORDER: readonly Provider[] = ['tensorrt', 'cuda', 'webgpu', 'cpu'];

export function parseDevice(text: string): Device {
  if ((DEVICES as readonly string[]).includes(text)) return text as Device;
  throw new RangeError(`Expected \`device\` to be one of ${DEVICES.join(', ')}, got \`${text}\``);
}

/** What a user does to get a provider that did not load here. */
export const INSTALL_HINT: Record<Provider, string> = {
  tensorrt:
    'TensorRT needs an NVIDIA GPU, CUDA 12, cuDNN 9 and TensorRT 10 libraries on the library path, and onnxruntime-node installed with its GPU binaries (npm install --onnxruntime-node-install=cuda12); see docs/installing.md, "GPUs: CUDA and TensorRT"',
  cuda: 'CUDA needs an NVIDIA GPU, CUDA 12 and cuDNN 9 libraries on the library path, and onnxruntime-node installed with its GPU binaries (npm install --onnxruntime-node-install=cuda12); see docs/installing.md, "GPUs: CUDA and TensorRT"',
  webgpu: 'WebGPU needs a GPU with a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver',
  cpu: 'the CPU provider ships with onnxruntime-node; reinstall it (npm ci)',
};

/** The engine cache TensorRT writes so that the second start is fast. */
export function tensorrtCacheDir(): string {
  return process.env.STYLECAST_TRT_CACHE ?? join(homedir(), '.cache', 'stylecast', 'tensorrt');
}

/**
 * Session options for one provider. TensorRT's fp16 and engine cache are set through the
 * environment variables its provider reads, which the Node binding passes through unchanged.
 */
export function sessionOptions(
  provider: Provider,
  threads: number,
): InferenceSession.SessionOptions {
  if (provider === 'tensorrt') {
    process.env.ORT_TENSORRT_FP16_ENABLE ??= '1';
    process.env.ORT_TENSORRT_ENGINE_CACHE_ENABLE ??= '1';
    process.env.ORT_TENSORRT_CACHE_PATH ??= tensorrtCacheDir();
  }
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Errors reach the user through our own messages; ONNX Runtime's would repeat them.
    logSeverityLevel: 4,
  };
}

/** The folder holding onnxruntime-node's native libraries for this platform. */
function nativeLibraryDir(): string | null {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('onnxruntime-node/package.json'));
  const dir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
  return existsSync(dir) ? dir : null;
}

/**
 * Whether a provider has a chance to load. `auto` skips the ones that cannot — trying them makes
 * ONNX Runtime and GPU drivers print errors even though the CPU then runs fine.
 */
export function providerLooksInstalled(provider: Provider): boolean {
  if (provider === 'cpu') return true;
  if (provider === 'webgpu') {
    // On Linux a GPU shows up as a DRM render node; elsewhere, let WebGPU answer for itself.
    if (process.platform !== 'linux') return true;
    return (
      existsSync('/dev/dri') && readdirSync('/dev/dri').some((name) => name.startsWith('renderD'))
    );
  }
  const dir = nativeLibraryDir();
  if (!dir) return false;
  return readdirSync(dir).some((name) => name.includes(`onnxruntime_providers_${provider}`));
}

/** Candidates to try, in order, for a requested device. */
export function candidateProviders(device: Device): readonly Provider[] {
  return device === 'auto' ? AUTO_ORDER.filter(providerLooksInstalled) : [device];
}
