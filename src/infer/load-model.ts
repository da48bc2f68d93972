import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '../abort.js';
import { StylecastError } from '../errors.js';
import { findModel } from './find-model.js';
import { describeIssues, modelCardSchema, type ModelCard } from './model-card.js';

export interface ModelFiles {
  dir: string;
  card: ModelCard;
  styleEncoderPath: string;
  stylizerPath: string;
  /** The int8 variant of the stylizer, when the card names one. */
  stylizerInt8Path?: string;
}

/** Finds a model, validates its `model.json` and checks that the graphs it names exist. */
export async function loadModel(
  nameOrPath: string,
  options: { signal?: AbortSignal } = {},
): Promise<ModelFiles> {
  const task = `loading model ${nameOrPath}`;
  throwIfAborted(options.signal, task);
  const dir = await findModel(nameOrPath);
  throwIfAborted(options.signal, task);
  const cardPath = join(dir, 'model.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(cardPath, 'utf8'));
  } catch (error) {
    throw new StylecastError(
      'MODEL_INVALID',
      `${cardPath} is not valid JSON: ${(error as Error).message}`,
    );
  }
  const parsed = modelCardSchema.safeParse(json);
  if (!parsed.success) {
    throw new StylecastError('MODEL_INVALID', `${cardPath}: ${describeIssues(parsed.error)}`);
  }
  const card = parsed.data;
  throwIfAborted(options.signal, task);
  const files = {
    styleEncoderPath: join(dir, card.styleEncoder),
    stylizerPath: join(dir, card.stylizer),
    ...(card.stylizerInt8 ? { stylizerInt8Path: join(dir, card.stylizerInt8) } : {}),
  };
  for (const [field, path] of [
    ['styleEncoder', files.styleEncoderPath],
    ['stylizer', files.stylizerPath],
    ['stylizerInt8', files.stylizerInt8Path],
  ] as const) {
    if (path === undefined) continue;
    if (!(await stat(path).catch(() => null))?.isFile()) {
      throw new StylecastError(
        'MODEL_INVALID',
        `${cardPath}: ${field} names ${path}, which does not exist`,
      );
    }
  }
  return { dir, card, ...files };
}
