/** Keyframe times read from real files' packets, on the decoder's timeline. */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keyframeTimes, seeksToKeyframes } from '../../src/decode/keyframes.js';
import { probeMedia } from '../../src/decode/probe.js';
import { ffmpeg, makeClip, tempDir } from '../helpers/media.js';

const temp = tempDir('stylecast-keyframes-');
afterAll(() => temp.cleanup());

describe('keyframeTimes', () => {
  it('lists every keyframe, in seconds from the file start, whatever its first timestamp', async () => {
    // A keyframe every 12 frames at 25 fps (0.48 s), the timestamps starting at 10 s.
    const clip = await makeClip(path.join(temp.dir, 'late.mp4'), {
      width: 64,
      height: 48,
      seconds: 2,
      extra: ['-c:v', 'libx264', '-g', '12', '-pix_fmt', 'yuv420p', '-output_ts_offset', '10'],
    });
    const remuxed = path.join(temp.dir, 'late.mkv');
    await ffmpeg(['-i', clip, '-c', 'copy', remuxed]);
    for (const file of [clip, remuxed]) {
      const info = await probeMedia(file);
      const times = await keyframeTimes(file, info.startMs);
      expect(times).toHaveLength(5); // frames 0, 12, 24, 36, 48
      // Frame 0 is where the decoder's timeline starts (the audio may start a little before it).
      const first = times[0]!;
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThan(0.05);
      expect(times.map((time) => Math.round((time - first) * 100) / 100)).toEqual([
        0, 0.48, 0.96, 1.44, 1.92,
      ]);
    }
  });

  it('is used only where a seek lands exactly on a keyframe', () => {
    expect(seeksToKeyframes('mov,mp4,m4a,3gp,3g2,mj2')).toBe(true);
    expect(seeksToKeyframes('matroska,webm')).toBe(true);
    expect(seeksToKeyframes('mpegts')).toBe(false);
    expect(seeksToKeyframes('h264')).toBe(false);
  });
});
