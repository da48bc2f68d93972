import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InferencePool } from '../../src/infer/inference-pool.js';
import { loadModel } from '../../src/infer/load-model.js';
import { tempDir } from '../helpers/media.js';
import { TINY_MODEL } from '../helpers/tiny-model.js';

const temp = tempDir();
afterAll(() => temp.cleanup());

/** A copy of the tiny model with its card edited. */
function variant(name: string, edit: (card: Record<string, unknown>) => unknown): string {
  const dir = join(temp.dir, name);
  cpSync(TINY_MODEL, dir, { recursive: true });
  const card = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  const edited = edit(card);
  writeFileSync(
    join(dir, 'model.json'),
    typeof edited === 'string' ? edited : JSON.stringify(edited ?? card),
  );
  return dir;
}

describe('loadModel: model.json', () => {
  it('loads a good model by path', async () => {
    const model = await loadModel(TINY_MODEL);
    expect(model.card).toMatchObject({
      name: 'tiny',
      family: 'adain',
      codeSize: 6,
      levels: 1,
      sizeMultiple: 8,
    });
  });

  it('names the file and the field that is wrong', async () => {
    await expect(loadModel(variant('bad-json', () => '{ "name": '))).rejects.toThrow(
      /bad-json\/model\.json is not valid JSON/,
    );
    await expect(
      loadModel(variant('no-code-size', (c) => ({ ...c, codeSize: undefined }))),
    ).rejects.toThrow(/no-code-size\/model\.json: codeSize: .*expected number/i);
    await expect(
      loadModel(variant('string-levels', (c) => ({ ...c, levels: 'one' }))),
    ).rejects.toThrow(/levels: .*expected number, received string/i);
    await expect(
      loadModel(variant('escape', (c) => ({ ...c, stylizer: '../x.onnx' }))),
    ).rejects.toThrow(/stylizer: must be a file name inside the model folder/);
  });

  it('says which graph file is missing', async () => {
    const dir = variant('missing-graph', (c) => c);
    rmSync(join(dir, 'stylizer.onnx'));
    await expect(loadModel(dir)).rejects.toThrow(
      /stylizer names .*missing-graph\/stylizer\.onnx, which does not exist/,
    );
  });

  it('checks the optional int8 variant like the stylizer', async () => {
    expect((await loadModel(TINY_MODEL)).stylizerInt8Path).toBeUndefined();
    const named = variant('int8-named', (c) => ({ ...c, stylizerInt8: 'stylizer.onnx' }));
    expect((await loadModel(named)).stylizerInt8Path).toBe(join(named, 'stylizer.onnx'));
    const missing = variant('int8-missing', (c) => ({ ...c, stylizerInt8: 'stylizer.int8.onnx' }));
    await expect(loadModel(missing)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(
        /model\.json: stylizerInt8 names .*int8-missing\/stylizer\.int8\.onnx, which does not exist$/,
      ),
    });
    await expect(
      loadModel(variant('int8-escape', (c) => ({ ...c, stylizerInt8: '../x.onnx' }))),
    ).rejects.toThrow(/stylizerInt8: must be a file name inside the model folder/);
  });

  it('says an unknown model name is unknown, listing what was searched', async () => {
    await expect(loadModel('no-such-model')).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
      message: expect.stringMatching(/Unknown model `no-such-model` \(searched /),
    });
  });
});

describe('graph contract', () => {
  it('rejects graphs whose inputs and outputs break the contract, naming tensor, expected and found', async () => {
    // The style encoder in the stylizer's place: wrong inputs and outputs.
    const swapped = await loadModel(
      variant('swapped', (c) => ({ ...c, stylizer: 'style_encoder.onnx' })),
    );
    await expect(InferencePool.open(swapped, { device: 'cpu', workers: 1 })).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(
        /style_encoder\.onnx: missing input `image` \(uint8 \[\?,\?,\?,3\]\); found style/,
      ),
    });
    // A card whose codeSize disagrees with the graphs.
    const wrongK = await loadModel(variant('wrong-k', (c) => ({ ...c, codeSize: 7 })));
    await expect(InferencePool.open(wrongK, { device: 'cpu', workers: 1 })).rejects.toThrow(
      /input `code` should be float32 \[\?,7\], found float32 \[N,6\]/,
    );
  });

  it('rejects a file that is not an ONNX graph', async () => {
    const dir = variant('garbage', (c) => c);
    writeFileSync(join(dir, 'stylizer.onnx'), 'not a protobuf');
    const model = await loadModel(dir);
    await expect(InferencePool.open(model, { device: 'cpu', workers: 1 })).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringContaining('garbage/stylizer.onnx'),
    });
  });
});
