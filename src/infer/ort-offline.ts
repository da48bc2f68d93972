/**
 * stylecast sends nothing anywhere. ONNX Runtime 1.30's Linux build carries Microsoft's 1DS
 * telemetry: unless `ORT_DISABLE_TELEMETRY` is set, creating a session reads /etc/machine-id,
 * keeps a device id and queues events in `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` (a
 * SQLite file, for upload over HTTPS), and leaves an empty `/tmp/mat-debug-PID.log` (its SDK's
 * debug log). The variable is read when the runtime's environment is created, at the first
 * session: set here, in the main thread, before any inference worker or probe starts, it holds for
 * them all. A user who sets it to `0` themselves is left to their choice.
 */
export function keepOrtOffline(): void {
  process.env.ORT_DISABLE_TELEMETRY ??= '1';
}
