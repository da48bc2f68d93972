/**
 * The front door stays small, and its documented option types are the option table's: an option
 * added or changed in src/options/options.ts fails to compile here until its TSDoc follows.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as advanced from '../src/advanced.js';
import * as stylecast from '../src/index.js';
import type { OptionsOf } from '../src/options/define-option.js';
import type { poolOptions, renderOptions, styleOptions } from '../src/options/options.js';

describe("import from 'stylecast'", () => {
  it('offers what a user calls, and no building blocks', () => {
    expect(Object.keys(stylecast).sort()).toEqual([
      'DEFAULT_STYLE',
      'StyleGallery',
      'StylecastError',
      'isAbortError',
      'loadSchedule',
      'openStylizer',
      'parseLiveSource',
      'prepareStyle',
      'renderImage',
      'renderVideo',
      'scheduleStyle',
      'startLive',
    ]);
    for (const name of Object.keys(stylecast)) expect(advanced).not.toHaveProperty(name);
  });

  it("documents each option with the table's type", () => {
    type Request = Omit<typeof renderOptions, 'batch'>;
    type Batch = Pick<typeof renderOptions, 'batch'>;
    type Documented<T, S> = Pick<T, keyof S & keyof T>;
    expectTypeOf<Documented<stylecast.StylizerOptions, typeof poolOptions>>().toEqualTypeOf<
      OptionsOf<typeof poolOptions>
    >();
    expectTypeOf<Documented<stylecast.StyleOptions, typeof styleOptions>>().toEqualTypeOf<
      OptionsOf<typeof styleOptions>
    >();
    expectTypeOf<Documented<stylecast.RenderRequest, Request>>().toEqualTypeOf<
      OptionsOf<Request>
    >();
    expectTypeOf<Pick<stylecast.RenderVideoOptions, 'batch'>>().toEqualTypeOf<OptionsOf<Batch>>();
  });
});
