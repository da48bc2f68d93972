/**
 * The style a chunk job carries: the render's style images, or its schedule's, copied into the
 * farm folder (see `place-in-farm.ts`) and named there, so every worker reads the same bytes.
 */
import { stylesOrDefault } from '../stylizer/default-style.js';
import type { StyleChoice } from '../infer/parse-style-option.js';
import type { Schedule } from '../schedule/schedule.js';
import type { FarmStyle } from './chunk-job.js';
import { placeInFarm } from './place-in-farm.js';

export interface RenderStyle {
  style: { style?: StyleChoice[]; alpha?: number | number[]; preserveColor?: boolean };
  schedule?: Schedule;
}

/** `hold` is called with each copy's name before it is put in place (see `placeInFarm`). */
export async function farmStyle(
  farmDir: string,
  options: RenderStyle,
  hold: (name: string) => Promise<void>,
): Promise<FarmStyle> {
  if (options.schedule) {
    const images = await Promise.all(
      options.schedule.images.map((image) => placeInFarm(farmDir, 'styles', image, hold)),
    );
    return {
      kind: 'schedule',
      schedule: {
        ...options.schedule,
        images,
        segments: options.schedule.segments.map((segment) => ({
          ...segment,
          alpha: typeof segment.alpha === 'number' ? segment.alpha : [...segment.alpha],
          style:
            segment.style?.map((image) => ({ ...image, path: images[image.imageIndex]! })) ?? null,
        })),
      },
    };
  }
  const choices = stylesOrDefault(options.style.style);
  return {
    kind: 'fixed',
    images: await Promise.all(
      choices.map(async (choice) => ({
        path: await placeInFarm(farmDir, 'styles', choice.path, hold),
        weight: choice.weight,
      })),
    ),
    alpha: options.style.alpha,
    preserveColor: Boolean(options.style.preserveColor),
  };
}
