/**
 * Reads a file the user named (a config, a schedule) without ever blocking on it: opening with
 * O_NONBLOCK returns at once even for a FIFO, and the opened file's own type is checked, so a
 * pipe, device or folder is refused instead of waiting forever for a writer.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

function kindOf(info: import('node:fs').Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isDirectory()) return 'a folder';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The file's contents; an error with code `ENOTFILE` when it is not a regular file. */
export async function readRegularFile(path: string): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw Object.assign(new Error(`it is ${kindOf(info)}, not a regular file`), {
        code: 'ENOTFILE',
      });
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * The file as UTF-8 text, without a leading byte-order mark (editors on Windows save one). A file
 * that is not text (a video given by mistake) is an error with code `ENOTTEXT`, never bytes that
 * would reach the terminal in a parse error.
 */
export async function readTextFile(path: string): Promise<string> {
  const bytes = await readRegularFile(path);
  const zero = bytes.indexOf(0);
  let text: string | null = null;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // drops the mark
  } catch {
    // not UTF-8
  }
  if (zero !== -1 || text === null) {
    throw Object.assign(
      new Error(
        `it is not a text file (${zero !== -1 ? `a zero byte at offset ${zero}` : 'not UTF-8'})`,
      ),
      { code: 'ENOTTEXT' },
    );
  }
  return text;
}
