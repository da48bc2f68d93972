/**
 * Whether one execution provider loads, tried in a child process. GPU runtimes (Dawn for WebGPU,
 * CUDA's loader) print their own warnings straight to the process's stderr, past ONNX Runtime's
 * log level, and a broken driver can crash the process that loads it: in a child, the warnings
 * are captured and the crash is a message. The user reads one line of ours.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sessionOptions, type Provider } from './execution-provider.js';
import { keepOrtOffline } from './ort-offline.js';

const PROBE_GRAPH = fileURLToPath(
  new URL('../../models/common/preserve_color.onnx', import.meta.url),
);
/** A driver that hangs while starting is not a provider that loads. */
const PROBE_TIMEOUT_MS = 30_000;

export interface ProviderProbe {
  loads: boolean;
  /** Why it did not load, in ONNX Runtime's words without its source location. */
  reason?: string;
}

// Runs in the child: argv holds onnxruntime-node's URL, the graph and the session options.
const CHILD = `
const [ortUrl, graph, options] = process.argv.slice(1);
const ort = await import(ortUrl);
ort.env.logLevel = 'fatal';
let answer;
try {
  const session = await ort.InferenceSession.create(graph, JSON.parse(options));
  await session.release();
  answer = { loads: true };
} catch (error) {
  answer = { loads: false, reason: String(error?.message ?? error) };
}
process.stdout.write(JSON.stringify(answer));
`;

/**
 * ONNX Runtime's first line without the location it prefixes (`/onnxruntime_src/….cc:136
 * onnxruntime::…::<lambda()> status == Success was false. Failed to get a WebGPU adapter: …`).
 */
export function ortReason(message: string): string {
  const line = message.split('\n')[0] ?? '';
  const stated = line.lastIndexOf(' was false. ');
  const plain = stated === -1 ? line : line.slice(stated + ' was false. '.length);
  return plain.replace(/^\[ONNXRuntimeError\] : \d+ : \w+ : /, '').trim();
}

/** `signal` ends the probe at once (it answers that the provider does not load). */
export function probeProvider(provider: Provider, signal?: AbortSignal): Promise<ProviderProbe> {
  const options = JSON.stringify(sessionOptions(provider, 1));
  keepOrtOffline(); // the child inherits it
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      CHILD,
      import.meta.resolve('onnxruntime-node'),
      PROBE_GRAPH,
      options,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.resume(); // the runtime's own warnings: read and dropped
  const stop = (): boolean => child.kill('SIGKILL');
  if (signal?.aborted) stop();
  else signal?.addEventListener('abort', stop, { once: true });
  return new Promise((resolve) => {
    const timer = setTimeout(stop, PROBE_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ loads: false, reason: `could not start a probe: ${error.message}` });
    });
    child.once('close', (code, endedBy) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      try {
        const answer = JSON.parse(stdout) as ProviderProbe;
        resolve(answer.loads ? answer : { loads: false, reason: ortReason(answer.reason ?? '') });
      } catch {
        resolve({
          loads: false,
          reason:
            endedBy === 'SIGKILL'
              ? `it did not start within ${PROBE_TIMEOUT_MS / 1000} s`
              : `loading it ended the process (${endedBy ?? `exit code ${code}`})`,
        });
      }
    });
  });
}
