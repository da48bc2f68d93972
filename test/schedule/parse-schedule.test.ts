import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSchedule, type ParseScheduleOptions } from '../../src/schedule/parse-schedule.js';
import { formatProblem } from '../../src/schedule/schedule-problem.js';

const FILE = '/clips/storm/schedule.json';

function parse(document: unknown, options: Partial<ParseScheduleOptions> = {}) {
  return parseSchedule(JSON.stringify(document), { path: FILE, ...options });
}

/** The formatted problems of a document. */
function problems(document: unknown, options: Partial<ParseScheduleOptions> = {}): string[] {
  return parse(document, options).problems.map(formatProblem);
}

/** A valid segment, to build documents around the field under test. */
const seg = (fields: Record<string, unknown> = {}) => ({
  start: 0,
  end: 1,
  style: 'a.jpg',
  ...fields,
});

describe('parseSchedule: a valid file', () => {
  it('resolves the example from the issue', () => {
    const result = parse({
      transition: 0.5,
      segments: [
        { start: '0:00', end: '0:04.5', style: 'styles/wave.jpg' },
        {
          start: 4.5,
          end: 9,
          style: [
            { image: 'a.jpg', weight: 0.7 },
            { image: 'b.jpg', weight: 0.3 },
          ],
          alpha: 0.8,
        },
        { start: 9, end: 12, style: null },
      ],
    });
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([]);
    const schedule = result.schedule!;
    expect(schedule.images).toEqual([
      '/clips/storm/styles/wave.jpg',
      '/clips/storm/a.jpg',
      '/clips/storm/b.jpg',
    ]);
    expect(schedule.transitionMs).toBe(500);
    expect(schedule.loop).toBe(false);
    expect(schedule.levels).toBeUndefined();
    expect(schedule.segments.map((s) => [s.startMs, s.endMs])).toEqual([
      [0, 4500],
      [4500, 9000],
      [9000, 12000],
    ]);
    const [wave, blend, unstyled] = schedule.segments;
    expect(wave!.style).toEqual([
      {
        path: '/clips/storm/styles/wave.jpg',
        field: 'segments[0].style',
        imageIndex: 0,
        weight: 1,
      },
    ]);
    expect(wave!.alpha).toBe(1);
    expect(wave!.preserveColor).toBe(false);
    expect(blend!.style!.map((s) => [s.imageIndex, s.weight])).toEqual([
      [1, 0.7],
      [2, 0.3],
    ]);
    expect(blend!.alpha).toBe(0.8);
    expect(unstyled!.style).toBeNull();
    expect(result.imageRefs.map((ref) => ref.field)).toEqual([
      'segments[0].style',
      'segments[1].style[0].image',
      'segments[1].style[1].image',
    ]);
  });

  it('defaults the transition to 0.5 s and lets a segment override it', () => {
    const schedule = parse({
      segments: [seg(), seg({ start: 1, end: 2, transition: '0:01.25' })],
    }).schedule!;
    expect(schedule.transitionMs).toBe(500);
    expect(schedule.segments.map((s) => s.transitionMs)).toEqual([500, 1250]);
  });

  it('sorts segments by start and keeps their file index', () => {
    const schedule = parse({
      segments: [seg({ start: 5, end: 6 }), seg({ start: 0, end: 2 }), seg({ start: 2, end: 5 })],
    }).schedule!;
    expect(schedule.segments.map((s) => s.index)).toEqual([1, 2, 0]);
  });

  it('normalizes blend weights to sum to 1 and defaults a missing weight to 1', () => {
    const style = parse({
      segments: [seg({ style: [{ image: 'a.jpg', weight: 3 }, 'b.jpg'] })],
    }).schedule!.segments[0]!.style!;
    expect(style.map((s) => s.weight)).toEqual([0.75, 0.25]);
  });

  it('shares an image used by several segments', () => {
    const schedule = parse({
      segments: [seg(), seg({ start: 1, end: 2, style: [{ image: './a.jpg' }, 'b.jpg'] })],
    }).schedule!;
    expect(schedule.images).toEqual(['/clips/storm/a.jpg', '/clips/storm/b.jpg']);
    expect(schedule.segments[1]!.style!.map((s) => s.imageIndex)).toEqual([0, 1]);
  });

  it('keeps absolute image paths', () => {
    const schedule = parse({ segments: [seg({ style: '/styles/x.png' })] }).schedule!;
    expect(schedule.images).toEqual(['/styles/x.png']);
  });

  it('resolves images against a relative schedule path', () => {
    const schedule = parseSchedule(JSON.stringify({ segments: [seg()] }), {
      path: 'shows/s.json',
    }).schedule!;
    expect(schedule.images).toEqual([path.resolve('shows/a.jpg')]);
  });

  it('reads per-level alpha, preserveColor, name and loop', () => {
    const schedule = parse({
      loop: true,
      segments: [seg({ alpha: [1, 0.5, 0], preserveColor: true, name: 'storm' })],
    }).schedule!;
    expect(schedule.loop).toBe(true);
    expect(schedule.levels).toBe(3);
    expect(schedule.segments[0]).toMatchObject({
      alpha: [1, 0.5, 0],
      preserveColor: true,
      name: 'storm',
    });
  });

  it('lets touching segments be (end = next start)', () => {
    expect(problems({ segments: [seg({ end: 4.5 }), seg({ start: '0:04.5', end: 6 })] })).toEqual(
      [],
    );
  });

  it('reads YAML for .yaml and .yml files, with clock times as strings', () => {
    const text = [
      'transition: 0.25',
      'segments:',
      '  - { start: 0:00, end: 0:04.5, style: wave.jpg }',
      '  - start: 1:30',
      '    end: 1:02:00',
      '    style:',
      '      - image: a.jpg',
      '        weight: 2',
      '      - b.jpg',
      '  - { start: 1:02:00, end: 1:02:10, style: null }',
    ].join('\n');
    for (const file of ['/x/s.yaml', '/x/s.YML']) {
      const result = parseSchedule(text, { path: file });
      expect(result.problems).toEqual([]);
      expect(result.schedule!.segments.map((s) => [s.startMs, s.endMs])).toEqual([
        [0, 4500],
        [90_000, 3_720_000],
        [3_720_000, 3_730_000],
      ]);
      expect(result.schedule!.transitionMs).toBe(250);
    }
  });

  it('checks per-level alpha against the model levels when given', () => {
    expect(problems({ segments: [seg({ alpha: [1, 1, 1, 1] })] }, { levels: 4 })).toEqual([]);
    expect(parse({ segments: [seg()] }, { levels: 4 }).schedule!.levels).toBe(4);
  });
});

describe('parseSchedule: every error names the field and what was wrong', () => {
  it('invalid JSON, with where it went wrong and without echoing the file', () => {
    // V8's wording varies between Node versions; the place and the shape do not.
    const cases: [string, RegExp][] = [
      ['{\n "segments": [ }', /^not valid JSON: Unexpected token '\}' \(line 2, column 16\)$/],
      ['{\n "a": 1\n "b": 2\n}', /^not valid JSON: [^\n"]+ \(line 3, column 2\)$/],
      ['', /^not valid JSON: Unexpected end of JSON input$/],
    ];
    for (const [text, message] of cases) {
      const result = parseSchedule(text, { path: FILE });
      expect(result.problems).toHaveLength(1);
      expect(formatProblem(result.problems[0]!)).toMatch(message);
      expect(result.schedule).toBeUndefined();
    }
  });

  it('invalid YAML', () => {
    const result = parseSchedule('segments:\n  - start: 0\n   end: [', { path: '/x/s.yaml' });
    expect(result.problems).toHaveLength(1);
    expect(formatProblem(result.problems[0]!)).toMatch(/^not valid YAML: .*line/);
  });

  it('a document that is not an object', () => {
    expect(problems([seg()])).toEqual(['must be an object with "segments", got an array']);
    expect(problems('hello')).toEqual(['must be an object with "segments", got "hello"']);
    expect(problems(null)).toEqual(['must be an object with "segments", got null']);
  });

  it('an unknown top-level field', () => {
    expect(problems({ segments: [seg()], transtion: 1 })).toEqual([
      'transtion: unknown field (expected one of: segments, transition, loop)',
    ]);
  });

  it('a bad file-wide transition', () => {
    expect(problems({ segments: [seg()], transition: -1 })).toEqual([
      'transition: must be a time of 0 seconds or more, got -1',
    ]);
    expect(problems({ segments: [seg()], transition: 'half' })).toEqual([
      'transition: must be a time: seconds (a number) or "[h:]mm:ss[.fff]", got "half"',
    ]);
  });

  it('loop that is not a boolean', () => {
    expect(problems({ segments: [seg()], loop: 'yes' })).toEqual([
      'loop: must be true or false, got "yes"',
    ]);
  });

  it('missing, wrong or empty segments', () => {
    expect(problems({})).toEqual(['segments: missing: a schedule needs a list of segments']);
    expect(problems({ segments: {} })).toEqual([
      'segments: must be a list of segments, got an object',
    ]);
    expect(problems({ segments: [] })).toEqual(['segments: must have at least one segment']);
  });

  it('a segment that is not an object', () => {
    expect(problems({ segments: [seg(), 'a.jpg'] })).toEqual([
      'segments[1]: must be an object with start, end and style, got "a.jpg"',
    ]);
  });

  it('an unknown segment field', () => {
    expect(problems({ segments: [seg({ aplha: 0.5 })] })).toEqual([
      'segments[0].aplha: unknown field (expected one of: start, end, style, alpha, preserveColor, transition, name)',
    ]);
  });

  it('missing start and end', () => {
    expect(problems({ segments: [{ style: 'a.jpg' }] })).toEqual([
      'segments[0].start: missing: every segment needs a start time',
      'segments[0].end: missing: every segment needs an end time',
    ]);
  });

  it('malformed or negative times', () => {
    expect(problems({ segments: [seg({ start: '0:4', end: true })] })).toEqual([
      'segments[0].start: must be a time: seconds (a number) or "[h:]mm:ss[.fff]", got "0:4"',
      'segments[0].end: must be a time: seconds (a number) or "[h:]mm:ss[.fff]", got true',
    ]);
    expect(problems({ segments: [seg({ start: -2 })] })).toEqual([
      'segments[0].start: must be a time of 0 seconds or more, got -2',
    ]);
    expect(problems({ segments: [seg({ end: '0:99' })] })).toEqual([
      'segments[0].end: seconds must be below 60 in "0:99"',
    ]);
  });

  it('an end that is not after the start', () => {
    expect(problems({ segments: [seg(), seg(), seg({ start: 9, end: 8 })] })).toContain(
      'segments[2].end: must be after start (start 9 ≥ end 8)',
    );
    expect(problems({ segments: [seg({ start: '0:03', end: 3 })] })).toEqual([
      'segments[0].end: must be after start (start 0:03 ≥ end 3)',
    ]);
  });

  it('a name that is not a string', () => {
    expect(problems({ segments: [seg({ name: 3 })] })).toEqual([
      'segments[0].name: must be a string, got 3',
    ]);
  });

  it('a missing style', () => {
    expect(problems({ segments: [{ start: 0, end: 1 }] })).toEqual([
      'segments[0].style: missing: give an image path, a blend list, or null for unstyled',
    ]);
  });

  it('a style of the wrong type', () => {
    expect(problems({ segments: [seg({ style: 7 })] })).toEqual([
      'segments[0].style: must be an image path, a list of { image, weight }, or null, got 7',
    ]);
    expect(problems({ segments: [seg({ style: { image: 'a.jpg' } })] })).toEqual([
      'segments[0].style: must be an image path, a list of { image, weight }, or null, got an object',
    ]);
  });

  it('an empty image path', () => {
    expect(problems({ segments: [seg({ style: '  ' })] })).toEqual([
      'segments[0].style: must be an image path, got "  "',
    ]);
  });

  it('an empty blend', () => {
    expect(problems({ segments: [seg({ style: [] })] })).toEqual([
      'segments[0].style: must name at least one image (use null for unstyled)',
    ]);
  });

  it('a blend entry of the wrong type', () => {
    expect(problems({ segments: [seg({ style: ['a.jpg', 4] })] })).toEqual([
      'segments[0].style[1]: must be an image path or { image, weight }, got 4',
    ]);
  });

  it('a blend entry without an image, or with an image that is not a path', () => {
    expect(problems({ segments: [seg({ style: [{ weight: 1 }] })] })).toEqual([
      'segments[0].style[0].image: missing: each blend entry needs an image path',
    ]);
    expect(problems({ segments: [seg({ style: [{ image: 5 }] })] })).toEqual([
      'segments[0].style[0].image: must be an image path, got 5',
    ]);
  });

  it('an unknown blend entry field', () => {
    expect(problems({ segments: [seg({ style: [{ image: 'a.jpg', wieght: 2 }] })] })).toEqual([
      'segments[0].style[0].wieght: unknown field (expected one of: image, weight)',
    ]);
  });

  it('a weight that is not a number above 0', () => {
    expect(
      problems({
        segments: [
          seg({
            style: [
              { image: 'a.jpg', weight: 0 },
              { image: 'b.jpg', weight: -1 },
              { image: 'c.jpg', weight: '1' },
            ],
          }),
        ],
      }),
    ).toEqual([
      'segments[0].style[0].weight: must be a number above 0 and at most 1000, got 0',
      'segments[0].style[1].weight: must be a number above 0 and at most 1000, got -1',
      'segments[0].style[2].weight: must be a number above 0 and at most 1000, got "1"',
    ]);
  });

  it('the same image twice in one blend', () => {
    expect(problems({ segments: [seg({ style: ['a.jpg', { image: './a.jpg' }] })] })).toEqual([
      'segments[0].style[1].image: names the same image as segments[0].style[0]; give it one weight',
    ]);
    // Named by the field that holds it, and in the segment's field order (after end, before alpha).
    expect(
      problems({
        segments: [seg({ end: -1, style: [{ image: 'a.jpg' }, 'a.jpg'], alpha: 2 })],
      }),
    ).toEqual([
      'segments[0].end: must be a time of 0 seconds or more, got -1',
      'segments[0].style[1]: names the same image as segments[0].style[0].image; give it one weight',
      'segments[0].alpha: must be a number from 0 to 1, got 2',
    ]);
  });

  it('an alpha outside 0..1 or of the wrong type', () => {
    expect(problems({ segments: [seg({ alpha: 1.7 })] })).toEqual([
      'segments[0].alpha: must be a number from 0 to 1, got 1.7',
    ]);
    expect(problems({ segments: [seg({ alpha: 'full' })] })).toEqual([
      'segments[0].alpha: must be a number from 0 to 1, or a list of them (one per model level), got "full"',
    ]);
    expect(problems({ segments: [seg({ alpha: [] })] })).toEqual([
      'segments[0].alpha: must be a number from 0 to 1, or one such number per model level',
    ]);
    expect(problems({ segments: [seg({ alpha: [1, -0.1, null] })] })).toEqual([
      'segments[0].alpha[1]: must be a number from 0 to 1, got -0.1',
      'segments[0].alpha[2]: must be a number from 0 to 1, got null',
    ]);
  });

  it('per-level alphas that disagree with the model or with each other', () => {
    expect(problems({ segments: [seg({ alpha: [1, 1] })] }, { levels: 4 })).toEqual([
      'segments[0].alpha: has 2 values but the model has 4 levels (give one per level, or one number)',
    ]);
    expect(
      problems({
        segments: [seg({ alpha: [1, 1, 1] }), seg({ start: 1, end: 2, alpha: [1, 1] })],
      }),
    ).toEqual([
      'segments[1].alpha: has 2 values but segments[0].alpha has 3; every per-level alpha needs one value per model level',
    ]);
  });

  it('a preserveColor that is not a boolean', () => {
    expect(problems({ segments: [seg({ preserveColor: 'yes' })] })).toEqual([
      'segments[0].preserveColor: must be true or false, got "yes"',
    ]);
  });

  it('a bad segment transition', () => {
    expect(problems({ segments: [seg({ transition: [] })] })).toEqual([
      'segments[0].transition: must be a time: seconds (a number) or "[h:]mm:ss[.fff]", got an array',
    ]);
  });

  it('overlapping segments, each overlap named once, in any file order', () => {
    expect(
      problems({
        segments: [
          seg({ start: 0, end: 5 }),
          seg({ start: 10, end: 12 }),
          seg({ start: 4, end: '0:11' }),
          seg({ start: 12, end: 13 }),
        ],
      }),
    ).toEqual([
      'segments[2]: overlaps segments[0] (0:04.000–0:11.000 and 0:00.000–0:05.000)',
      'segments[2]: overlaps segments[1] (0:04.000–0:11.000 and 0:10.000–0:12.000)',
    ]);
    // A long segment overlapping several later-listed ones.
    expect(
      problems({
        segments: [
          seg({ start: 1, end: 2 }),
          seg({ start: 3, end: 4 }),
          seg({ start: 0, end: 10 }),
        ],
      }),
    ).toEqual([
      'segments[2]: overlaps segments[0] (0:00.000–0:10.000 and 0:01.000–0:02.000)',
      'segments[2]: overlaps segments[1] (0:00.000–0:10.000 and 0:03.000–0:04.000)',
    ]);
  });

  it('checks overlaps even for segments with other problems', () => {
    expect(
      problems({ segments: [seg({ start: 0, end: 5, style: 3 }), seg({ start: 4, end: 6 })] }),
    ).toEqual([
      'segments[0].style: must be an image path, a list of { image, weight }, or null, got 3',
      'segments[1]: overlaps segments[0] (0:04.000–0:06.000 and 0:00.000–0:05.000)',
    ]);
  });

  it('reports every problem at once, in file order', () => {
    const result = parse({
      transition: 'x',
      segments: [
        { start: 'soon', end: 2, style: 'a.jpg' },
        { start: 3, end: 2, style: [] },
        { start: 5, end: 6, style: 'b.jpg', alpha: 2, colour: true },
      ],
    });
    expect(result.schedule).toBeUndefined();
    expect(result.problems.map((p) => p.field)).toEqual([
      'transition',
      'segments[0].start',
      'segments[1].end',
      'segments[1].style',
      'segments[2].colour',
      'segments[2].alpha',
    ]);
  });
});

describe('parseSchedule: warnings', () => {
  it('a segment starting at or after the end of the video: it never shows', () => {
    const result = parse(
      { segments: [seg(), seg({ start: 12, end: 14 })] },
      { durationMs: 12_000 },
    );
    expect(result.problems).toEqual([]);
    expect(result.schedule).toBeDefined();
    expect(result.warnings.map(formatProblem)).toEqual([
      "segments[1].start: 0:12.000 is at or beyond the video's end (0:12.000); the segment never shows",
    ]);
  });

  it('an end beyond the video: the segment is cut there', () => {
    const result = parse(
      { segments: [seg({ end: 10 }), seg({ start: 10, end: '0:13' })] },
      { durationMs: 12_000 },
    );
    expect(result.problems).toEqual([]);
    expect(result.schedule).toBeDefined();
    expect(result.warnings.map(formatProblem)).toEqual([
      "segments[1].end: 0:13.000 is beyond the video's end (0:12.000); the segment stops there",
    ]);
  });

  it('alpha or preserveColor on an unstyled segment has no effect', () => {
    const result = parse({ segments: [seg({ style: null, alpha: 0.5, preserveColor: true })] });
    expect(result.problems).toEqual([]);
    expect(result.warnings.map(formatProblem)).toEqual([
      'segments[0].alpha: has no effect: the segment is unstyled (style: null)',
      'segments[0].preserveColor: has no effect: the segment is unstyled (style: null)',
    ]);
  });
});
