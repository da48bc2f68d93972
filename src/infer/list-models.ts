import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listModelDirs } from './find-model.js';
import { loadModel } from './load-model.js';

export interface ModelListing {
  name: string;
  dir: string;
  family?: string;
  bytes: number;
  license?: string;
  source?: string;
  /** Why the folder is not a usable model, when it is not. */
  problem?: string;
}

async function folderBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true });
  const sizes = await Promise.all(
    entries.filter((e) => e.isFile()).map(async (e) => (await stat(join(dir, e.name))).size),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/** Every model on the search path, with what its card says, or why it does not load. */
export async function listModels(): Promise<ModelListing[]> {
  const listings: ModelListing[] = [];
  for (const dir of await listModelDirs()) {
    const name = dir.split(/[\\/]/).pop() ?? dir;
    const bytes = await folderBytes(dir);
    try {
      const { card } = await loadModel(dir);
      listings.push({
        name: card.name,
        dir,
        family: card.family,
        bytes,
        license: card.license,
        source: card.source,
      });
    } catch (error) {
      listings.push({ name, dir, bytes, problem: (error as Error).message });
    }
  }
  return listings;
}
