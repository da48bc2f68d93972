import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeCameraRequest,
  describeLiveSource,
  liveInputArgs,
  parseCameraFormat,
  parseDshowCameras,
  parseLiveSource,
  probeLiveSource,
} from '../../src/decode/live-source.js';

describe('parseLiveSource', () => {
  it.each([
    ['webcam', { kind: 'webcam' }],
    ['webcam:1', { kind: 'webcam', device: '1' }],
    ['webcam:Integrated Camera', { kind: 'webcam', device: 'Integrated Camera' }],
    ['/dev/video2', { kind: 'device', path: '/dev/video2' }],
    ['rtsp://cam.local:554/stream', { kind: 'url', url: 'rtsp://cam.local:554/stream' }],
    ['rtmp://live.example/app/key', { kind: 'url', url: 'rtmp://live.example/app/key' }],
    ['https://example.com/live.m3u8', { kind: 'url', url: 'https://example.com/live.m3u8' }],
    ['srt://127.0.0.1:9000', { kind: 'url', url: 'srt://127.0.0.1:9000' }],
    ['testsrc', { kind: 'testsrc' }],
    ['clip.mp4', { kind: 'file', path: 'clip.mp4' }],
  ])('reads %s', (text, source) => {
    expect(parseLiveSource(text)).toEqual(source);
  });

  it('refuses empty inputs and unknown URL schemes', () => {
    expect(() => parseLiveSource('')).toThrow(RangeError);
    expect(() => parseLiveSource('webcam:')).toThrow(RangeError);
    expect(() => parseLiveSource('gopher://x')).toThrow(/RTSP/);
    expect(() => parseLiveSource(3 as unknown as string)).toThrow(TypeError);
  });

  it('never prints URL credentials', () => {
    expect(describeLiveSource(parseLiveSource('rtsp://admin:pw@cam/1'))).toBe('rtsp://***@cam/1');
  });
});

describe('liveInputArgs', () => {
  it('opens the default camera of each platform', () => {
    const webcam = parseLiveSource('webcam');
    expect(liveInputArgs(webcam, { platform: 'linux' })).toEqual([
      '-f',
      'v4l2',
      '-i',
      '/dev/video0',
    ]);
    expect(liveInputArgs(parseLiveSource('webcam:2'), { platform: 'linux', fps: 30 })).toEqual([
      '-f',
      'v4l2',
      '-framerate',
      '30',
      '-i',
      '/dev/video2',
    ]);
    expect(liveInputArgs(webcam, { platform: 'darwin' })).toEqual([
      '-f',
      'avfoundation',
      '-framerate',
      '30',
      '-i',
      '0:none',
    ]);
    expect(liveInputArgs(webcam, { platform: 'win32', dshowCamera: 'HD Webcam' })).toEqual([
      '-f',
      'dshow',
      '-i',
      'video=HD Webcam',
    ]);
    expect(() => liveInputArgs(webcam, { platform: 'win32' })).toThrow(/webcam:Camera Name/);
    expect(() => liveInputArgs(webcam, { platform: 'aix' })).toThrow(/No default camera/);
  });

  it('opens devices, streams, files and the test pattern', () => {
    expect(liveInputArgs(parseLiveSource('/dev/video2'))).toEqual([
      '-f',
      'v4l2',
      '-i',
      '/dev/video2',
    ]);
    expect(liveInputArgs(parseLiveSource('rtsp://cam/1'))).toEqual([
      '-fflags',
      'nobuffer',
      '-rtsp_transport',
      'tcp',
      '-i',
      'rtsp://cam/1',
    ]);
    expect(liveInputArgs(parseLiveSource('srt://h:9000'))).toEqual([
      '-fflags',
      'nobuffer',
      '-i',
      'srt://h:9000',
    ]);
    // Files go to ffmpeg as absolute paths: `a:1.mp4` must not read as a protocol.
    expect(liveInputArgs(parseLiveSource('a.mp4'))).toEqual(['-re', '-i', resolve('a.mp4')]);
    expect(liveInputArgs(parseLiveSource('a.mp4'), { loop: true })).toEqual([
      '-re',
      '-stream_loop',
      '-1',
      '-i',
      resolve('a.mp4'),
    ]);
    expect(
      liveInputArgs(parseLiveSource('testsrc'), { size: { width: 320, height: 180 }, fps: 15 }),
    ).toEqual(['-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15']);
  });
});

// No camera is attached where the tests run, so asking a real one cannot be run here: the
// arguments are checked as arguments (each is the option ffmpeg documents for that device), and
// the refusal message is checked against ffmpeg's v4l2 device with a path that does not exist.
describe('camera requests', () => {
  const size = { width: 1280, height: 720 };

  it('asks a v4l2 camera for its size, rate and format', () => {
    expect(
      liveInputArgs(parseLiveSource('webcam'), {
        platform: 'linux',
        size,
        fps: 30,
        cameraFormat: 'mjpeg',
      }),
    ).toEqual([
      '-f',
      'v4l2',
      '-video_size',
      '1280x720',
      '-framerate',
      '30',
      '-input_format',
      'mjpeg',
      '-i',
      '/dev/video0',
    ]);
    expect(
      liveInputArgs(parseLiveSource('/dev/video2'), { size, cameraFormat: 'yuyv422' }),
    ).toEqual([
      '-f',
      'v4l2',
      '-video_size',
      '1280x720',
      '-input_format',
      'yuyv422',
      '-i',
      '/dev/video2',
    ]);
  });

  it('asks for a size only when both sides are given', () => {
    expect(
      liveInputArgs(parseLiveSource('/dev/video1'), {
        size: { width: Number.POSITIVE_INFINITY, height: 720 },
      }),
    ).toEqual(['-f', 'v4l2', '-i', '/dev/video1']);
  });

  it('asks avfoundation and DirectShow cameras the same things in their own words', () => {
    const webcam = parseLiveSource('webcam');
    expect(
      liveInputArgs(webcam, { platform: 'darwin', size, fps: 24, cameraFormat: 'nv12' }),
    ).toEqual([
      '-f',
      'avfoundation',
      '-video_size',
      '1280x720',
      '-framerate',
      '24',
      '-pixel_format',
      'nv12',
      '-i',
      '0:none',
    ]);
    expect(
      liveInputArgs(webcam, {
        platform: 'win32',
        dshowCamera: 'USB Camera',
        size,
        fps: 30,
        cameraFormat: 'mjpeg',
      }),
    ).toEqual([
      '-f',
      'dshow',
      '-video_size',
      '1280x720',
      '-framerate',
      '30',
      '-vcodec',
      'mjpeg',
      '-i',
      'video=USB Camera',
    ]);
    expect(
      liveInputArgs(webcam, {
        platform: 'win32',
        dshowCamera: 'USB Camera',
        cameraFormat: 'yuyv422',
      }),
    ).toEqual(['-f', 'dshow', '-pixel_format', 'yuyv422', '-i', 'video=USB Camera']);
  });

  it('refuses a camera format for a source that is not a camera, and a malformed one', () => {
    expect(() => liveInputArgs(parseLiveSource('testsrc'), { cameraFormat: 'mjpeg' })).toThrow(
      '`camera-format` applies to a camera (webcam or /dev/videoN), not the test pattern',
    );
    expect(() => liveInputArgs(parseLiveSource('rtsp://cam/1'), { cameraFormat: 'mjpeg' })).toThrow(
      RangeError,
    );
    expect(parseCameraFormat('MJPEG')).toBe('mjpeg');
    expect(() => parseCameraFormat('mjpeg; rm -rf')).toThrow(
      'Expected `camera-format` to be a format name like mjpeg or yuyv422, got `mjpeg; rm -rf`',
    );
    expect(() => parseCameraFormat('')).toThrow(RangeError);
  });

  it('says what was asked', () => {
    expect(describeCameraRequest({ size, fps: 30, format: 'mjpeg' })).toBe(
      '1280x720 at 30 fps in mjpeg',
    );
    expect(describeCameraRequest({ fps: 15 })).toBe('at 15 fps');
    expect(describeCameraRequest({ size: { width: Infinity, height: 720 } })).toBeUndefined();
  });
});

describe('parseDshowCameras', () => {
  it('reads the video devices of old and new ffmpeg logs', () => {
    const old = [
      '[dshow @ 0000] DirectShow video devices (some may be both video and audio devices)',
      '[dshow @ 0000]  "Integrated Camera"',
      '[dshow @ 0000]     Alternative name "@device_pnp_\\\\?\\usb"',
      '[dshow @ 0000] DirectShow audio devices',
      '[dshow @ 0000]  "Microphone (Realtek)"',
    ].join('\r\n');
    expect(parseDshowCameras(old)).toEqual(['Integrated Camera']);
    const recent = [
      '[dshow @ 0000] "OBS Virtual Camera" (video)',
      '[dshow @ 0000]   Alternative name "@device_sw_{860BB310}"',
      '[dshow @ 0000] "Microphone (USB)" (audio)',
      '[dshow @ 0000] "USB Camera" (video)',
    ].join('\n');
    expect(parseDshowCameras(recent)).toEqual(['OBS Virtual Camera', 'USB Camera']);
  });
});

describe('probeLiveSource', () => {
  it('reads size and rate from a real ffmpeg input', async () => {
    const source = parseLiveSource('testsrc');
    const info = await probeLiveSource(
      source,
      liveInputArgs(source, { size: { width: 320, height: 180 }, fps: 15 }),
    );
    expect(info).toEqual({ width: 320, height: 180, fps: 15, hasAudio: false });
  });

  it('fails readably on a source that cannot be opened', async () => {
    const source = parseLiveSource('/dev/video99');
    await expect(probeLiveSource(source, liveInputArgs(source))).rejects.toMatchObject({
      code: 'SOURCE_FAILED',
    });
  });

  it('names what a camera was asked for when it cannot be opened', async () => {
    // Real ffmpeg and its v4l2 device; the device path does not exist here.
    const source = parseLiveSource('/dev/video99');
    const camera = { size: { width: 640, height: 480 }, fps: 30, format: 'mjpeg' };
    const args = liveInputArgs(source, { size: camera.size, fps: 30, cameraFormat: 'mjpeg' });
    await expect(probeLiveSource(source, args, { camera })).rejects.toThrow(
      /^Cannot open \/dev\/video99 \(asked for 640x480 at 30 fps in mjpeg\): .*No such file/,
    );
  });
});
