/**
 * Checks an ONNX graph's inputs and outputs against the model contract (docs/models.md), so a wrong
 * model fails at load time with the file, the tensor, what was expected and what was found.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { ModelCard } from './model-card.js';

interface Expected {
  name: string;
  type: 'uint8' | 'float32';
  /** Known dimensions by position; `null` for dynamic ones. */
  dims: (number | null)[];
}

export function stylizerContract(card: ModelCard): { inputs: Expected[]; outputs: Expected[] } {
  return {
    inputs: [
      { name: 'image', type: 'uint8', dims: [null, null, null, 3] },
      { name: 'code', type: 'float32', dims: [null, card.codeSize] },
      { name: 'alpha', type: 'float32', dims: [null, card.levels] },
    ],
    outputs: [{ name: 'stylized', type: 'uint8', dims: [null, null, null, 3] }],
  };
}

export function styleEncoderContract(card: ModelCard): { inputs: Expected[]; outputs: Expected[] } {
  return {
    inputs: [{ name: 'style', type: 'uint8', dims: [1, null, null, 3] }],
    outputs: [{ name: 'code', type: 'float32', dims: [1, card.codeSize] }],
  };
}

function describe(meta: InferenceSession.ValueMetadata): string {
  if (!meta.isTensor) return 'a non-tensor value';
  return `${meta.type} [${meta.shape.join(',')}]`;
}

/** Returns the problems found (empty when the graph honours the contract). */
export function checkGraph(
  file: string,
  session: Pick<InferenceSession, 'inputMetadata' | 'outputMetadata'>,
  contract: { inputs: Expected[]; outputs: Expected[] },
): string[] {
  const problems: string[] = [];
  for (const [kind, actual, expected] of [
    ['input', session.inputMetadata, contract.inputs],
    ['output', session.outputMetadata, contract.outputs],
  ] as const) {
    for (const want of expected) {
      const meta = actual.find((m) => m.name === want.name);
      const wanted = `${want.type} [${want.dims.map((d) => d ?? '?').join(',')}]`;
      if (!meta) {
        const names = actual.map((m) => m.name).join(', ');
        problems.push(
          `${file}: missing ${kind} \`${want.name}\` (${wanted}); found ${names || 'none'}`,
        );
        continue;
      }
      const rankOk =
        meta.isTensor && (meta.shape.length === 0 || meta.shape.length === want.dims.length);
      const dimsOk =
        meta.isTensor &&
        want.dims.every(
          (dim, i) => dim === null || typeof meta.shape[i] !== 'number' || meta.shape[i] === dim,
        );
      if (!meta.isTensor || meta.type !== want.type || !rankOk || !dimsOk) {
        problems.push(
          `${file}: ${kind} \`${want.name}\` should be ${wanted}, found ${describe(meta)}`,
        );
      }
    }
    if (kind === 'input' && actual.length > expected.length) {
      const extra = actual
        .filter((m) => !expected.some((e) => e.name === m.name))
        .map((m) => m.name);
      problems.push(`${file}: unexpected inputs ${extra.join(', ')}`);
    }
  }
  return problems;
}
