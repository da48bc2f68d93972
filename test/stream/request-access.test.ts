import { describe, expect, it } from 'vitest';
import { hasToken, isAllowedHost, isAllowedOrigin } from '../../src/stream/request-access.js';

const local = { host: '127.0.0.1', allowedOrigins: [] };

describe('request access', () => {
  it('allows hosts that name this machine, not other domains', () => {
    expect(isAllowedHost('127.0.0.1:8080', local)).toBe(true);
    expect(isAllowedHost('localhost:8080', local)).toBe(true);
    expect(isAllowedHost('[::1]:8080', local)).toBe(true);
    expect(isAllowedHost('192.168.1.20:8080', { ...local, host: '0.0.0.0' })).toBe(true);
    expect(isAllowedHost('studio.lan:8080', { ...local, host: 'studio.lan' })).toBe(true);
    expect(isAllowedHost('evil.example:8080', local)).toBe(false);
    expect(isAllowedHost(undefined, local)).toBe(false);
    expect(
      isAllowedHost('cam.example', { ...local, allowedOrigins: ['https://cam.example'] }),
    ).toBe(true);
  });

  it('allows the names the HTTPS certificate is for, a wildcard covering one label', () => {
    const certified = { ...local, hostNames: ['cam.example', '*.studio.example'] };
    expect(isAllowedHost('cam.example:8443', certified)).toBe(true);
    expect(isAllowedHost('a.studio.example:8443', certified)).toBe(true);
    expect(isAllowedHost('a.b.studio.example:8443', certified)).toBe(false);
    expect(isAllowedHost('studio.example:8443', certified)).toBe(false);
    expect(isAllowedHost('evil.example:8443', certified)).toBe(false);
  });

  it('allows the page’s own origin, listed origins and non-browser clients', () => {
    expect(isAllowedOrigin(undefined, '127.0.0.1:8080', local)).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:8080', '127.0.0.1:8080', local)).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:9999', '127.0.0.1:8080', local)).toBe(false);
    expect(isAllowedOrigin('http://evil.example', '127.0.0.1:8080', local)).toBe(false);
    expect(isAllowedOrigin('null', '127.0.0.1:8080', local)).toBe(false);
    expect(isAllowedOrigin('file://', '127.0.0.1:8080', local)).toBe(false);
    expect(
      isAllowedOrigin('https://studio.example', '127.0.0.1:8080', {
        ...local,
        allowedOrigins: ['https://studio.example'],
      }),
    ).toBe(true);
  });

  it('compares tokens exactly', () => {
    expect(hasToken(new URL('http://h/?token=abc'), 'abc')).toBe(true);
    expect(hasToken(new URL('http://h/?token=abcd'), 'abc')).toBe(false);
    expect(hasToken(new URL('http://h/'), 'abc')).toBe(false);
    expect(hasToken(new URL('http://h/'), undefined)).toBe(true);
  });
});
