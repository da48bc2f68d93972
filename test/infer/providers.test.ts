import { describe, expect, it } from 'vitest';
import { candidateProviders, parseDevice } from '../../src/infer/execution-provider.js';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import { probeProviders } from '../../src/infer/probe-providers.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ortReason } from '../../src/infer/probe-provider.js';
import { tempDir } from '../helpers/media.js';
import { errorLines, runCli } from '../helpers/run-cli.js';
import { PAINTING, TINY_MODEL } from '../helpers/tiny-model.js';

// This machine has no GPU: CUDA and TensorRT binaries are not installed, and there is no render node.
describe('execution providers', () => {
  it('auto falls back to the CPU here and says so', async () => {
    const pool = await InferencePool.open(await loadModel(TINY_MODEL), {
      device: 'auto',
      workers: 1,
    });
    expect(pool.provider).toBe('cpu');
    await pool.close();
    expect(candidateProviders('auto').at(-1)).toBe('cpu');
  });

  it('an explicit provider that cannot load is an error naming what is missing and how to get it', async () => {
    const model = await loadModel(TINY_MODEL);
    for (const device of ['cuda', 'tensorrt'] as const) {
      await expect(InferencePool.open(model, { device, workers: 1 })).rejects.toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
        message: expect.stringMatching(
          new RegExp(`${device}.*onnxruntime-node-install=cuda12`, 'is'),
        ),
      });
    }
  });

  it('lists which providers load', async () => {
    const statuses = await probeProviders();
    expect(statuses.map((s) => s.provider)).toEqual(['tensorrt', 'cuda', 'webgpu', 'cpu']);
    expect(statuses.find((s) => s.provider === 'cpu')).toMatchObject({ loads: true });
    expect(statuses.find((s) => s.provider === 'cuda')).toMatchObject({
      loads: false,
      detail: expect.stringContaining('CUDA 12'),
    });
  });

  it("--device webgpu with no GPU is our one line: the runtime's own warnings stay in a child", async () => {
    const temp = tempDir();
    try {
      const output = join(temp.dir, 'out.png');
      const { code, stderr } = await runCli(
        ['image', PAINTING, '-m', TINY_MODEL, '--device', 'webgpu', '-o', output],
        { cwd: temp.dir },
      );
      expect(code).toBe(1);
      expect(errorLines(stderr)).toEqual([
        'stylecast: No execution provider loaded (webgpu: Failed to get a WebGPU adapter: No supported adapters) — WebGPU needs a GPU with a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver',
      ]);
      expect(readdirSync(temp.dir)).toEqual([]);
    } finally {
      temp.cleanup();
    }
  });

  it("keeps ONNX Runtime's reason and drops its source location", () => {
    expect(
      ortReason(
        '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\nmore',
      ),
    ).toBe('Failed to get a WebGPU adapter: No supported adapters');
    expect(ortReason('[ONNXRuntimeError] : 1 : FAIL : Load model failed')).toBe(
      'Load model failed',
    );
  });

  it('rejects an unknown device name with the value received', () => {
    expect(() => parseDevice('tpu')).toThrow(/one of auto, tensorrt, cuda, webgpu, cpu, got `tpu`/);
  });
});
