import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { StylecastError } from '../errors.js';

/** The models that ship inside the package. */
export const SHIPPED_MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));

/** The default model: the project's own real-time student of the Magenta network. */
export const DEFAULT_MODEL = 'paint';

/** A user's own models (imported weights): `STYLECAST_MODELS`, else `~/.stylecast/models`. */
export function userModelsDir(): string {
  return process.env.STYLECAST_MODELS ?? join(homedir(), '.stylecast', 'models');
}

export function modelSearchPath(): string[] {
  return [SHIPPED_MODELS_DIR, userModelsDir()];
}

async function isModelDir(dir: string): Promise<boolean> {
  return (await stat(join(dir, 'model.json')).catch(() => null))?.isFile() ?? false;
}

/** Finds a model folder by path (anything with a slash or an existing folder) or by name. */
export async function findModel(nameOrPath: string): Promise<string> {
  const looksLikePath =
    nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.startsWith('.');
  if (looksLikePath) {
    const dir = resolve(nameOrPath);
    if (await isModelDir(dir)) return dir;
    throw new StylecastError(
      'MODEL_NOT_FOUND',
      `No model at ${dir}: expected a folder with a model.json`,
    );
  }
  for (const root of modelSearchPath()) {
    const dir = join(root, nameOrPath);
    if (await isModelDir(dir)) return dir;
  }
  const known = (await listModelDirs()).map((dir) => dir.split(/[\\/]/).pop()).join(', ');
  throw new StylecastError(
    'MODEL_NOT_FOUND',
    `Unknown model \`${nameOrPath}\` (searched ${modelSearchPath().join(' and ')}; found: ${known || 'none'})`,
  );
}

/** Every model folder on the search path. */
export async function listModelDirs(): Promise<string[]> {
  const found: string[] = [];
  for (const root of modelSearchPath()) {
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const dir = join(root, entry.name);
      if (entry.isDirectory() && (await isModelDir(dir))) found.push(dir);
    }
  }
  return found;
}
