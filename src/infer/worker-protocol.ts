/** Messages between the worker pool (main thread) and an inference worker. */
import type { Precision } from './choose-precision.js';
import type { Provider } from './execution-provider.js';

export interface WorkerInit {
  styleEncoderPath: string;
  /** The stylizer graph of each precision the model has. */
  stylizerPaths: { fp32: string; int8?: string };
  /** Which to open: the one that runs, or both (on the CPU) while `auto` times them. */
  stylizers: Precision | 'both';
  preserveColorPath: string;
  providers: readonly Provider[];
  threads: number;
  codeSize: number;
  levels: number;
  sizeMultiple: number;
}

export interface StylizeRequest {
  type: 'stylize';
  id: number;
  width: number;
  height: number;
  /** One buffer per frame, packed RGB24; transferred, not copied. */
  frames: ArrayBuffer[];
  /** N×K codes and N×L alphas, frame by frame. */
  codes: Float32Array;
  alphas: Float32Array;
  preserveColor: boolean[];
}

export interface EncodeStyleRequest {
  type: 'encode-style';
  id: number;
  width: number;
  height: number;
  pixels: ArrayBuffer;
}

/** Times both stylizer graphs, interleaved, on a generated frame of this size (`auto`). */
export interface TimeStylizersRequest {
  type: 'time-stylizers';
  id: number;
  width: number;
  height: number;
  warmup: number;
  rounds: number;
  minRounds: number;
  budgetMs: number;
}

/** Keeps one stylizer graph and releases the other. */
export interface UseStylizerRequest {
  type: 'use-stylizer';
  id: number;
  precision: Precision;
}

export type WorkerRequest =
  StylizeRequest | EncodeStyleRequest | TimeStylizersRequest | UseStylizerRequest;

export type WorkerReply =
  | { type: 'ready'; provider: Provider; tried: string[]; stylizers: Precision[] }
  | { type: 'init-failed'; message: string; code: 'MODEL_INVALID' | 'PROVIDER_UNAVAILABLE' }
  | { type: 'stylized'; id: number; frames: ArrayBuffer[] }
  | { type: 'style-code'; id: number; code: Float32Array }
  | { type: 'stylizer-times'; id: number; fp32Ms: number[]; int8Ms: number[] }
  | { type: 'using-stylizer'; id: number; precision: Precision }
  | { type: 'failed'; id: number; message: string };
