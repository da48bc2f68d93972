/**
 * Copies a file the render needs (its input, a style image) into the farm folder, named by its
 * content hash, so every machine reads the same bytes and renders of the same file share one copy.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StylecastError } from '../errors.js';

/** Tells apart the temporary files of copies made at once (style images of the same name). */
let copies = 0;

/**
 * Copies `path` into the farm folder as `folder/<hash><ext>`, hashing it on the way (one read),
 * and returns that farm-relative name. `hold` is called with the name before the copy is put in
 * place: once it returns, no other render removes the file. Where that content is already there,
 * the file in place is kept (workers of another render may be reading it) and the copy dropped.
 */
export async function placeInFarm(
  farmDir: string,
  folder: string,
  path: string,
  hold: (name: string) => Promise<void>,
): Promise<string> {
  const dir = join(farmDir, folder);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${process.pid}.${++copies}.${basename(path)}.partial`);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    await pipeline(
      createReadStream(path),
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          bytes += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(temp),
    ).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOSPC') throw error;
      throw new StylecastError(
        'OUTPUT_WRITE_FAILED',
        `Disk full while copying ${path} into the farm folder (${dir})`,
        { cause: error },
      );
    });
    const name = `${folder}/${hash.digest('hex')}${extname(path).toLowerCase()}`;
    await hold(name);
    // A copy of another size under that name is damaged (cut short): this one replaces it.
    const placed = await stat(join(farmDir, name)).then(
      (info) => info.isFile() && info.size === bytes,
      () => false,
    );
    if (!placed) await rename(temp, join(farmDir, name));
    return name;
  } finally {
    await rm(temp, { force: true });
  }
}
