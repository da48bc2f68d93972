/**
 * The join renames its output into place only when it holds every frame of every chunk: ffmpeg's
 * concat demuxer stops quietly at a chunk it cannot read, so the output's frames are counted.
 */
import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareOutput } from '../../src/encode/output-file.js';
import { joinChunks } from '../../src/farm/join-chunks.js';
import { ffmpeg, tempDir } from '../helpers/media.js';

const temp = tempDir('stylecast-join-');
const chunks = [join(temp.dir, 'a.nut'), join(temp.dir, 'b.nut')];

beforeAll(async () => {
  for (const [i, chunk] of chunks.entries()) {
    await ffmpeg([
      ...['-f', 'lavfi', '-i', `testsrc2=size=64x48:rate=25,trim=start_frame=${i * 10}`],
      ...['-frames:v', '10', '-c:v', 'ffv1', '-f', 'nut', chunk],
    ]);
  }
});
afterAll(() => temp.cleanup());

async function join2(name: string): Promise<string> {
  const output = await prepareOutput(join(temp.dir, name));
  await joinChunks({
    chunks: chunks.map((path) => ({ path, frames: 10 })),
    fps: 25,
    output,
    listPath: join(temp.dir, `${name}.txt`),
    lossless: true,
  });
  return output.path;
}

describe('joinChunks', () => {
  it('joins whole chunks', async () => {
    const output = await join2('whole.mkv');
    expect(statSync(output).size).toBeGreaterThan(0);
  });

  it('refuses a join short of the chunks’ frames, writing nothing', async () => {
    truncateSync(chunks[1]!, Math.floor(statSync(chunks[1]!).size / 2));
    await expect(join2('short.mkv')).rejects.toThrow(
      /^Joining 2 chunks gave \d+ of 20 frames: a chunk file in .* changed during the join; no output was written$/,
    );
    expect(readdirSync(temp.dir).filter((name) => name.includes('short'))).toEqual([]);
  });
});
