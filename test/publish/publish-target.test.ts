import { describe, expect, it } from 'vitest';
import { parseOutputProtocols } from '../../src/publish/ffmpeg-protocols.js';
import { parsePublishTarget, redactTarget } from '../../src/publish/publish-target.js';
import { endReason, publishArgs } from '../../src/publish/publish-connection.js';
import {
  publishBitrateKbps,
  publishEncoderArgs,
  publishSize,
} from '../../src/publish/publish-encoder.js';

describe('publish targets', () => {
  it('takes RTMP, RTMPS and SRT URLs, each with its container', () => {
    expect(parsePublishTarget('rtmp://media.lan/live/cam')).toMatchObject({
      protocol: 'rtmp',
      muxer: 'flv',
      shown: 'rtmp://media.lan/live/***',
    });
    expect(parsePublishTarget('rtmps://live.example:443/app/KEY-123')).toMatchObject({
      protocol: 'rtmps',
      muxer: 'flv',
      shown: 'rtmps://live.example:443/app/***',
    });
    expect(
      parsePublishTarget('srt://media.lan:8890?streamid=publish:cam&passphrase=secret123'),
    ).toMatchObject({ protocol: 'srt', muxer: 'mpegts', shown: 'srt://media.lan:8890?***' });
  });

  it('refuses anything else in one line that says why', () => {
    const rule = 'an rtmp://host/app/stream, rtmps://host/app/stream or srt://host:port URL';
    expect(() => parsePublishTarget('http://media.lan/live/cam')).toThrow(
      `Expected \`publish\` to be ${rule}, got \`http://media.lan/live/cam\` (http protocol)`,
    );
    expect(() => parsePublishTarget('media.lan/live')).toThrow('(not a URL)');
    expect(() => parsePublishTarget('rtmp://media.lan/live')).toThrow(
      '(no application and stream name)',
    );
    expect(() => parsePublishTarget('srt://media.lan')).toThrow('(no port)');
    expect(() => parsePublishTarget('rtmp:///live/cam')).toThrow(RangeError);
  });

  it('keeps stream keys and passphrases out of messages', () => {
    const target = parsePublishTarget('rtmp://a.example/live2/abcd-efgh-ijkl');
    expect(
      redactTarget(
        'rtmp://a.example/live2/abcd-efgh-ijkl: Broken pipe (stream abcd-efgh-ijkl)',
        target,
      ),
    ).toBe('rtmp://a.example/live2/***: Broken pipe (stream ***)');
    const srt = parsePublishTarget('srt://m.lan:9000?passphrase=verysecret');
    expect(redactTarget('srt://m.lan:9000?passphrase=verysecret: refused', srt)).toBe(
      'srt://m.lan:9000?***: refused',
    );
  });
});

describe('the publishing encoder', () => {
  it('sends even-sided H.264 as frames come, a keyframe every two seconds, at a capped bitrate', () => {
    expect(publishSize({ width: 321, height: 181 })).toEqual({ width: 320, height: 180 });
    expect(publishBitrateKbps({ width: 1280, height: 720, fps: 30 })).toBe(2765);
    expect(publishBitrateKbps({ width: 160, height: 90, fps: 10 })).toBe(300);
    const args = publishEncoderArgs({ width: 1280, height: 720, fps: 30 });
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after('-c:v')).toBe('libx264');
    expect(after('-tune')).toBe('zerolatency');
    // Frames keep the time they arrived at: the stream's rate is the stylized rate, no repeats.
    expect(after('-use_wallclock_as_timestamps')).toBe('1');
    expect(after('-framerate')).toBe('1000');
    expect(after('-s')).toBe('1280x720');
    expect(after('-r')).toBe('30');
    expect(after('-vsync')).toBe('vfr');
    expect(after('-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
    expect(after('-g')).toBe('60');
    expect(after('-maxrate')).toBe('2765k');
    expect(args.slice(-3)).toEqual(['-f', 'h264', 'pipe:1']);
  });

  it('muxes the H.264 as it is, stamped as it arrives, with the audio as AAC', () => {
    const args = publishArgs(parsePublishTarget('rtmp://h/live/s'));
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after('-use_wallclock_as_timestamps')).toBe('1');
    expect(after('-f')).toBe('h264');
    expect(after('-c:v')).toBe('copy');
    expect(args).not.toContain('-c:a');
    expect(args.slice(-3)).toEqual(['-f', 'flv', 'rtmp://h/live/s']);
    expect(publishArgs(parsePublishTarget('srt://h:1')).at(-2)).toBe('mpegts');
    const withAudio = publishArgs(parsePublishTarget('rtmp://h/live/s'), undefined, true);
    expect(withAudio[withAudio.indexOf('-c:a') + 1]).toBe('aac');
    expect(withAudio).toContain('pipe:3');
  });

  it("says why a connection ended in ffmpeg's last words, without its prefixes", () => {
    const target = parsePublishTarget('rtmp://127.0.0.1:1/live/key');
    const refused =
      '[tcp @ 0x40b08a40] Connection to tcp://127.0.0.1:1 failed: Connection refused\n' +
      '[rtmp @ 0x40b09b00] Cannot open connection tcp://127.0.0.1:1\n' +
      'rtmp://127.0.0.1:1/live/key: Connection refused\n';
    expect(endReason(refused, target, 'code 1')).toBe('Connection refused');
    expect(
      endReason('av_interleaved_write_frame(): Broken pipe\nConversion failed!\n', target, 'x'),
    ).toBe('av_interleaved_write_frame(): Broken pipe');
    expect(endReason('', target, 'ffmpeg quit with code 1')).toBe('ffmpeg quit with code 1');
  });

  it("has ffmpeg check an RTMPS server's certificate, against the system's CAs or a given file", () => {
    const rtmps = parsePublishTarget('rtmps://live.example/app/key');
    // Output options before the URL: ffmpeg hands them to the TLS layer under RTMP.
    expect(publishArgs(rtmps).slice(-5)).toEqual([
      '-tls_verify',
      '1',
      '-f',
      'flv',
      'rtmps://live.example/app/key',
    ]);
    expect(publishArgs(rtmps, '/etc/ca.pem').slice(-7, -3)).toEqual([
      '-tls_verify',
      '1',
      '-ca_file',
      '/etc/ca.pem',
    ]);
    for (const plain of ['rtmp://h/live/s', 'srt://h:1']) {
      const args = publishArgs(parsePublishTarget(plain), '/etc/ca.pem');
      expect(args).not.toContain('-tls_verify');
      expect(args).not.toContain('-ca_file');
    }
  });

  it("says a refused certificate is why, where ffmpeg's last words are an I/O error", () => {
    const target = parsePublishTarget('rtmps://127.0.0.1:4443/live/key');
    const tail = (refusal: string): string =>
      `[tls @ 0x55b10a632b40] ${refusal}\n` +
      '[rtmps @ 0x55b10a635500] Cannot open connection tls://127.0.0.1:4443\n' +
      'rtmps://127.0.0.1:4443/live/key: Input/output error\n';
    // GnuTLS (the bundled ffmpeg and Debian's), then OpenSSL.
    expect(endReason(tail('Peer certificate failed verification'), target, 'x')).toBe(
      "the server's certificate is not trusted: Peer certificate failed verification",
    );
    expect(
      endReason(tail("The certificate's owner does not match hostname 127.0.0.1"), target, 'x'),
    ).toBe(
      "the server's certificate is not trusted: The certificate's owner does not match hostname 127.0.0.1",
    );
    expect(
      endReason(tail('error:0A000086:SSL routines::certificate verify failed'), target, 'x'),
    ).toBe(
      "the server's certificate is not trusted: error:0A000086:SSL routines::certificate verify failed",
    );
    expect(endReason(tail('Connection reset by peer'), target, 'x')).toBe('Input/output error');
  });

  it('reads the protocols ffmpeg can write from its listing', () => {
    const listing =
      'Supported file protocols:\nInput:\n  file\n  rtmp\n  srt\nOutput:\n  file\n  rtmp\n  rtmps\n';
    expect([...parseOutputProtocols(listing)]).toEqual(['file', 'rtmp', 'rtmps']);
  });
});
