import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveControls } from '../../src/stream/live-controls.js';
import type { LiveSettings } from '../../src/live/live-types.js';
import { StyleGallery } from '../../src/stream/style-gallery.js';
import { pngBase64, writeStyleImages, type StyleImages } from './live-test-helpers.js';

const INITIAL: LiveSettings = {
  styles: [{ name: 'red', weight: 1 }],
  alpha: 1,
  preserveColor: false,
};

let styleImages: StyleImages;
beforeAll(async () => {
  styleImages = await writeStyleImages();
});
afterAll(() => styleImages?.remove());

async function gallery(): Promise<StyleGallery> {
  return StyleGallery.fromFiles(styleImages.paths, {
    maxUploadBytes: 1 << 16,
    maxUploads: 2,
  });
}

describe('LiveControls', () => {
  it('refuses a gallery name it does not have at the start', async () => {
    await expect(
      LiveControls.create(
        await gallery(),
        { ...INITIAL, styles: [{ name: 'green', weight: 1 }] },
        async () => 0,
      ),
    ).rejects.toThrow(RangeError);
  });

  it('keeps settings and gallery as they were when preparing fails', async () => {
    let calls = 0;
    const styles = await gallery();
    const controls = await LiveControls.create(styles, INITIAL, async (settings) => {
      calls++;
      if (settings.styles.some((style) => style.name === 'bad')) throw new Error('encoder failed');
      return settings.styles.map((style) => style.name).join('+');
    });
    const changes: LiveSettings[] = [];
    controls.onChange((settings) => changes.push(settings));
    const result = await controls.apply({
      type: 'style',
      styles: [{ upload: await pngBase64('#00ff00'), name: 'bad', weight: 1 }],
    });
    expect(result).toMatchObject({ ok: false, code: 'STYLE_FAILED' });
    expect(styles.names()).toEqual(['red', 'blue']);
    expect(controls.settings).toEqual(INITIAL);
    expect(controls.prepared).toBe('red');
    expect(changes).toEqual([]);

    const ok = await controls.apply({
      type: 'style',
      styles: [
        { name: 'blue', weight: 2 },
        { name: 'red', weight: 1 },
      ],
    });
    expect(ok).toEqual({ ok: true, galleryChanged: false, settingsChanged: true });
    expect(controls.prepared).toBe('blue+red');
    expect(changes).toHaveLength(1);
    expect(calls).toBe(3);
  });

  it('applies changes one at a time, in order', async () => {
    const controls = await LiveControls.create(await gallery(), INITIAL, async () => undefined);
    const results = await Promise.all([
      controls.apply({ type: 'alpha', alpha: 0.1 }),
      controls.apply({ type: 'alpha', alpha: 0.2 }),
      controls.apply({ type: 'preserveColor', preserveColor: true }),
    ]);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(controls.settings).toEqual({ ...INITIAL, alpha: 0.2, preserveColor: true });
    const same = await controls.apply({ type: 'alpha', alpha: 0.2 });
    expect(same).toEqual({ ok: true, galleryChanged: false, settingsChanged: false });
  });

  it('checks a per-level alpha against the model’s levels', async () => {
    await expect(
      LiveControls.create(await gallery(), { ...INITIAL, alpha: [0.5, 1] }, async () => 0, {
        levels: 3,
      }),
    ).rejects.toThrow('Expected `alpha` to be one number or one per model level (3), got 2 values');
    const controls = await LiveControls.create(await gallery(), INITIAL, async () => 0, {
      levels: 3,
    });
    expect(controls.levels).toBe(3);
    expect(await controls.apply({ type: 'alpha', alpha: [0.2, 0.5, 1] })).toMatchObject({
      ok: true,
    });
    expect(controls.settings.alpha).toEqual([0.2, 0.5, 1]);
    expect(await controls.apply({ type: 'alpha', alpha: [0.2, 0.5, 1, 1] })).toMatchObject({
      ok: false,
      code: 'INVALID_MESSAGE',
    });
    expect(controls.settings.alpha).toEqual([0.2, 0.5, 1]);
  });
});
