/** SHA-256 of files' contents: what keys an input, a style image or a model on the farm. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ModelFiles } from '../infer/load-model.js';

export async function hashFiles(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A model's identity: its card and its graphs, byte for byte. */
export function modelDigest(model: ModelFiles): Promise<string> {
  return hashFiles(
    [
      `${model.dir}/model.json`,
      model.styleEncoderPath,
      model.stylizerPath,
      model.stylizerInt8Path,
    ].filter((path): path is string => path !== undefined),
  );
}
