import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../src/stream/protocol.js';

describe('parseClientMessage', () => {
  it('accepts each message type and fills default weights', () => {
    expect(parseClientMessage('{"type":"alpha","alpha":0.5}')).toEqual({
      ok: true,
      message: { type: 'alpha', alpha: 0.5 },
    });
    expect(parseClientMessage('{"type":"preserveColor","preserveColor":true,"id":"a"}')).toEqual({
      ok: true,
      message: { type: 'preserveColor', preserveColor: true, id: 'a' },
    });
    const style = parseClientMessage(
      JSON.stringify({ type: 'style', styles: [{ name: 'wave' }, { upload: 'AAAA', weight: 2 }] }),
    );
    expect(style).toEqual({
      ok: true,
      message: {
        type: 'style',
        styles: [
          { name: 'wave', weight: 1 },
          { upload: 'AAAA', weight: 2 },
        ],
      },
    });
    expect(parseClientMessage('{"type":"style","styles":[]}').ok).toBe(true);
    expect(parseClientMessage('{"type":"alpha","alpha":[0.2,0.5,1]}')).toEqual({
      ok: true,
      message: { type: 'alpha', alpha: [0.2, 0.5, 1] },
    });
  });

  it('names the field and the problem, and echoes the id', () => {
    const result = parseClientMessage('{"type":"alpha","alpha":1.7,"id":3}');
    expect(result).toMatchObject({ ok: false, code: 'INVALID_MESSAGE', id: 3 });
    expect(!result.ok && result.message).toMatch(/`alpha`/);
  });

  it.each([
    ['', 'NOT_JSON'],
    ['{', 'NOT_JSON'],
    ['"alpha"', 'INVALID_MESSAGE'],
    ['{"type":"alpha"}', 'INVALID_MESSAGE'],
    ['{"type":"alpha","alpha":null}', 'INVALID_MESSAGE'],
    ['{"type":"alpha","alpha":-0.1}', 'INVALID_MESSAGE'],
    ['{"type":"alpha","alpha":0.1,"more":1}', 'INVALID_MESSAGE'],
    ['{"type":"alpha","alpha":[]}', 'INVALID_MESSAGE'],
    ['{"type":"alpha","alpha":[0.5,1.5]}', 'INVALID_MESSAGE'],
    ['{"type":"alpha","alpha":["0.5"]}', 'INVALID_MESSAGE'],
    ['{"type":"style","styles":"wave"}', 'INVALID_MESSAGE'],
    ['{"type":"style","styles":[{"name":"a b"}]}', 'INVALID_MESSAGE'],
    ['{"type":"style","styles":[{"name":"a","image":"AAAA"}]}', 'INVALID_MESSAGE'],
    [`{"type":"style","styles":[${'{"name":"a"},'.repeat(8)}{"name":"a"}]}`, 'INVALID_MESSAGE'],
    ['{"type":"__proto__"}', 'INVALID_MESSAGE'],
  ])('refuses %s', (text, code) => {
    expect(parseClientMessage(text)).toMatchObject({ ok: false, code });
  });
});
