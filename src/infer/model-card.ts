/** `model.json`: what a model folder promises (docs/models.md, "The model contract"). */
import { z } from 'zod';

const fileName = z
  .string()
  .min(1)
  .refine(
    (name) => !name.includes('/') && !name.includes('\\') && name !== '..',
    'must be a file name inside the model folder',
  );
const positiveInt = z.number().int().positive();

export const modelCardSchema = z.object({
  name: z.string().min(1),
  family: z.string().min(1),
  styleEncoder: fileName,
  stylizer: fileName,
  /** An optional int8 variant of `stylizer` (same inputs and outputs), for CPUs where it is faster. */
  stylizerInt8: fileName.optional(),
  codeSize: positiveInt,
  levels: positiveInt,
  sizeMultiple: positiveInt,
  styleSize: positiveInt,
  /**
   * How a style image is resized to `styleSize`: `fill` (the default) squashes it to
   * `styleSize`×`styleSize`; `inside` gives its longer side `styleSize`, aspect kept.
   */
  styleFit: z.enum(['fill', 'inside']).optional(),
  license: z.string().min(1),
  source: z.string().min(1),
  description: z.string().optional(),
});

export type ModelCard = z.infer<typeof modelCardSchema>;

/** One line per problem: `codeSize: expected number, got string`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
