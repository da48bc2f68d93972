import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { H264FrameEncoder } from '../../src/encode/h264-frame-encoder.js';
import type { OutgoingFrame } from '../../src/stream/frame-queue.js';
import { readH264Frame } from '../../src/stream/h264-frame-message.js';
import { readJpegFrameTag } from '../../src/stream/jpeg-frame-tag.js';
import { ViewerEncoders, type ViewerAudience } from '../../src/stream/viewer-encoders.js';
import type { ViewerCodec } from '../../src/stream/viewer-transports.js';
import type { Frame } from '../../src/types.js';

/** The viewers' side as a record: which codecs are in use, and what each was offered. */
class RecordingAudience implements ViewerAudience {
  inUse = new Set<ViewerCodec>();
  readonly offered: { codec: ViewerCodec; frame: OutgoingFrame }[] = [];

  codecsInUse(): ReadonlySet<ViewerCodec> {
    return this.inUse;
  }

  broadcastFrame(codec: ViewerCodec, frame: OutgoingFrame): void {
    this.offered.push({ codec, frame });
  }
}

function frame(index: number, width = 64, height = 48): Frame {
  const data = new Uint8Array(width * height * 3).fill(index * 10);
  return { index, ptsMs: index * 40, width, height, data };
}

/** A killed child stays a zombie until Node reaps it. */
const isZombie = (pid: number): boolean => {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return true;
  }
};

const tag = (index: number) => ({ index, captureMs: 1000 + index });

describe('ViewerEncoders', () => {
  it('encodes each frame once per codec in use, starting H.264 at a keyframe, at each size', async () => {
    const audience = new RecordingAudience();
    const encoders = new ViewerEncoders(audience, { quality: 80, bitrate: 500_000 });
    await encoders.deliver(frame(0), tag(0), 25); // nobody watching: nothing encoded
    audience.inUse = new Set(['jpeg']);
    await encoders.deliver(frame(1), tag(1), 25);
    audience.inUse = new Set(['jpeg', 'h264']);
    await encoders.deliver(frame(2), tag(2), 25);
    await encoders.deliver(frame(3), tag(3), 25);
    await encoders.deliver(frame(4, 32, 24), tag(4), 25); // a new working size: a new encoder
    await encoders.close();

    const summary = audience.offered.map(({ codec, frame: { bytes, index, keyframe } }) => {
      const h264 = readH264Frame(bytes);
      const tagIndex = codec === 'jpeg' ? readJpegFrameTag(bytes)?.index : h264?.tag.index;
      return { codec, index, keyframe, tagIndex, width: h264?.tag.width };
    });
    expect(summary.filter((s) => s.codec === 'jpeg').map((s) => s.tagIndex)).toEqual([1, 2, 3, 4]);
    expect(summary.filter((s) => s.codec === 'h264')).toEqual([
      { codec: 'h264', index: 2, keyframe: true, tagIndex: 2, width: 64 },
      { codec: 'h264', index: 3, keyframe: false, tagIndex: 3, width: undefined },
      { codec: 'h264', index: 4, keyframe: true, tagIndex: 4, width: 32 },
    ]);
  });

  it('reopens an encoder whose ffmpeg died, at a keyframe, and fails after three in a row', async () => {
    const audience = new RecordingAudience();
    audience.inUse = new Set(['h264']);
    const encoders = new ViewerEncoders(audience, { quality: 80, bitrate: 500_000 });
    /** Kills the open H.264 encoder's ffmpeg and waits until it has gone. */
    const killCurrent = async () => {
      const { open } = encoders as unknown as {
        open: Map<ViewerCodec, { encoder: H264FrameEncoder }>;
      };
      const pid = open.get('h264')!.encoder.processId!;
      process.kill(pid, 'SIGKILL');
      while (existsSync(`/proc/${pid}/cmdline`) && !isZombie(pid)) await sleep(10);
    };
    await encoders.deliver(frame(0), tag(0), 25);
    await killCurrent();
    await encoders.deliver(frame(1), tag(1), 25); // lost with the encoder
    await encoders.deliver(frame(2), tag(2), 25); // a new encoder
    expect(audience.offered.map(({ frame: f }) => [f.index, f.keyframe])).toEqual([
      [0, true],
      [2, true],
    ]);
    // An ffmpeg that cannot encode at all (here: one that exits at once) fails the third frame.
    const before = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = '/bin/false';
    try {
      await killCurrent();
      await encoders.deliver(frame(3), tag(3), 25);
      await encoders.deliver(frame(4), tag(4), 25);
      await expect(encoders.deliver(frame(5), tag(5), 25)).rejects.toThrow(
        /ffmpeg quit with code 1/,
      );
    } finally {
      if (before === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = before;
    }
    await encoders.close();
  });
});
