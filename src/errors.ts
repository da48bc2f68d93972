/** Stable codes for failures a user can cause or meet; the CLI prints the message as one line. */
export type ErrorCode =
  | 'INPUT_NOT_FOUND'
  | 'INPUT_UNREADABLE'
  | 'INPUT_NOT_VIDEO'
  | 'INPUT_NOT_IMAGE'
  | 'INPUT_CORRUPT'
  | 'INPUT_TOO_LARGE'
  | 'STYLE_NOT_IMAGE'
  | 'UPLOAD_TOO_LARGE'
  | 'UPLOAD_NOT_IMAGE'
  | 'BAD_OPTION'
  | 'OUTPUT_INVALID'
  | 'OUTPUT_WRITE_FAILED'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  | 'PROVIDER_UNAVAILABLE'
  | 'FFMPEG_FAILED'
  | 'INFERENCE_FAILED'
  | 'SCHEDULE_INVALID'
  | 'SOURCE_FAILED'
  | 'STALLED'
  | 'FARM_UNREACHABLE'
  | 'FARM_DIR_MISMATCH'
  | 'FARM_JOB_INVALID'
  | 'FARM_MISMATCH'
  | 'FARM_CHUNK_FAILED'
  | 'ABORTED';

export class StylecastError extends Error {
  override name = 'StylecastError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A value a caller or a user gave that no rule allows (`BAD_OPTION`). */
export function badOption(message: string, cause?: unknown): StylecastError {
  return new StylecastError('BAD_OPTION', message, { cause });
}

export function isAbortError(error: unknown): boolean {
  return (
    (error instanceof StylecastError && error.code === 'ABORTED') ||
    (error instanceof Error && error.name === 'AbortError')
  );
}

/** An error's message, or whatever was thrown, as text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
