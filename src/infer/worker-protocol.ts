/** Messages between the worker pool (main thread) and an inference worker. */
import type { Provider } from './execution-provider.js';

export interface WorkerInit {
  styleEncoderPath: string;
  stylizerPath: string;
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

export type WorkerRequest = StylizeRequest | EncodeStyleRequest;

export type WorkerReply =
  | { type: 'ready'; provider: Provider; tried: string[] }
  | { type: 'init-failed'; message: string; code: 'MODEL_INVALID' | 'PROVIDER_UNAVAILABLE' }
  | { type: 'stylized'; id: number; frames: ArrayBuffer[] }
  | { type: 'style-code'; id: number; code: Float32Array }
  | { type: 'failed'; id: number; message: string };
