import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/isolated-cache.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // ffmpeg and ONNX Runtime already use both cores; running files in parallel only thrashes.
    fileParallelism: false,
  },
});
