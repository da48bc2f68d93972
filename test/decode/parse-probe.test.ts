import { describe, expect, it } from 'vitest';
import { parseCopyStats, parseProbe } from '../../src/decode/parse-probe.js';

// Logs as printed by the bundled 2018 ffmpeg and by Debian's ffmpeg 5.1.
const OLD_ROTATED = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'rot.mp4':
  Metadata:
    major_brand     : isom
  Duration: 00:00:02.02, start: 0.000000, bitrate: 353 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 320x240 [SAR 1:1 DAR 4:3], 271 kb/s, 25 fps, 25 tbr, 12800 tbn, 50 tbc (default)
    Metadata:
      rotate          : 270
      handler_name    : VideoHandler
    Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 73 kb/s (default)
At least one output file must be specified`;

const NEW_ROTATED = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'rot.mp4':
  Duration: 00:00:02.02, start: 0.000000, bitrate: 353 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(progressive), 320x240 [SAR 1:1 DAR 4:3], 271 kb/s, 25 fps, 25 tbr, 12800 tbn (default)
    Metadata:
      handler_name    : VideoHandler
    Side data:
      displaymatrix: rotation of 90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp, 73 kb/s (default)`;

const TEN_BIT_NTSC_NO_AUDIO = `Input #0, matroska,webm, from 'ten.mkv':
  Duration: 00:00:01.00, start: 0.000000, bitrate: 95 kb/s
  Stream #0:0: Video: hevc (Main 10), yuv420p10le(tv, progressive), 320x240 [SAR 1:1 DAR 4:3], 29.97 fps, 29.97 tbr, 1k tbn
    Metadata:
      ENCODER         : Lavc59.37.100 libx265`;

describe('parseProbe', () => {
  it('reads size, rate, duration, audio and the old rotate tag', () => {
    expect(parseProbe(OLD_ROTATED)).toEqual({
      width: 240,
      height: 320,
      fps: 25,
      durationMs: 2020,
      startMs: 0,
      streamedMs: null,
      rotation: 270,
      hasAudio: true,
      audioCodec: 'aac',
      videoCodec: 'h264',
      bitDepth: 8,
      format: 'mov,mp4,m4a,3gp,3g2,mj2',
      frameCount: 51,
    });
  });

  it('reads the display matrix of newer ffmpeg as the same rotation', () => {
    const info = parseProbe(NEW_ROTATED)!;
    expect(info.rotation).toBe(270);
    expect([info.width, info.height]).toEqual([240, 320]);
  });

  it('reads 10-bit, NTSC-rate, silent files', () => {
    const info = parseProbe(TEN_BIT_NTSC_NO_AUDIO)!;
    expect(info).toMatchObject({
      width: 320,
      height: 240,
      fps: 29.97,
      bitDepth: 10,
      hasAudio: false,
      audioCodec: null,
      rotation: 0,
    });
    expect(info.frameCount).toBe(30);
  });

  it('returns null when there is no video stream', () => {
    expect(parseProbe('/tmp/x.mp4: Invalid data found when processing input')).toBeNull();
    expect(
      parseProbe(
        `Input #0, wav, from 'a.wav':\n  Duration: 00:00:01.00, bitrate: 705 kb/s\n    Stream #0:0: Audio: pcm_s16le, 44100 Hz, mono, s16, 705 kb/s`,
      ),
    ).toBeNull();
  });
});

describe('parseCopyStats', () => {
  it('takes the last progress line: packets and how far they reach', () => {
    expect(
      parseCopyStats(
        'frame=   10 fps=0.0 time=00:00:00.36\rframe=   50 fps=0.0 q=-1.0 Lsize=N/A time=00:01:01.96 bitrate=N/A',
      ),
    ).toEqual({ frames: 50, timeMs: 61_960 });
    expect(parseCopyStats('frame=    0 fps=0.0 time=-577014:32:22.77')).toEqual({
      frames: 0,
      timeMs: null,
    });
    expect(parseCopyStats('nothing here')).toBeNull();
  });
});

describe('the start time', () => {
  it('is read from the duration line, and is 0 when ffmpeg prints none', () => {
    const late = TEN_BIT_NTSC_NO_AUDIO.replace('start: 0.000000', 'start: 9.977000');
    expect(parseProbe(late)!.startMs).toBe(9977);
    expect(parseProbe(TEN_BIT_NTSC_NO_AUDIO.replace(', start: 0.000000', ''))!.startMs).toBe(0);
  });
});
