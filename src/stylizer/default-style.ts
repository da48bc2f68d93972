/** The one default style: the bundled sample painting, for a run given no `style`. */
import { fileURLToPath } from 'node:url';
import type { StyleChoice } from '../infer/parse-style-option.js';

/** The bundled Van Gogh detail (assets/sample/style.jpg), shipped in the package. */
export const DEFAULT_STYLE = fileURLToPath(
  new URL('../../assets/sample/style.jpg', import.meta.url),
);

/** The styles given, or the default style alone when none are. */
export function stylesOrDefault(styles?: readonly StyleChoice[]): StyleChoice[] {
  return styles?.length ? [...styles] : [{ path: DEFAULT_STYLE, weight: 1 }];
}
