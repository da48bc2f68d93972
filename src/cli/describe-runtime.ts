import { describePrecision } from '../infer/choose-precision.js';
import type { Stylizer } from '../stylizer/stylizer.js';

/** What runs the model, for the CLI's lines: `cpu, int8 (1.31x faster than fp32 here, measured)`. */
export function describeRuntime(stylizer: Stylizer): string {
  return `${stylizer.provider}, ${describePrecision(stylizer.precision)}`;
}
