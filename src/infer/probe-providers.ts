/** Which execution providers load on this machine: each is tried on a tiny built-in graph. */
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import {
  AUTO_ORDER,
  INSTALL_HINT,
  providerLooksInstalled,
  sessionOptions,
  type Provider,
} from './execution-provider.js';

// Failures reach the user through our own messages; ONNX Runtime's log would repeat them.
ort.env.logLevel = 'fatal';
const PROBE_GRAPH = fileURLToPath(
  new URL('../../models/common/preserve_color.onnx', import.meta.url),
);

export interface ProviderStatus {
  provider: Provider;
  loads: boolean;
  detail: string;
}

export async function probeProviders(): Promise<ProviderStatus[]> {
  const statuses: ProviderStatus[] = [];
  for (const provider of AUTO_ORDER) {
    if (!providerLooksInstalled(provider)) {
      statuses.push({ provider, loads: false, detail: INSTALL_HINT[provider] });
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(PROBE_GRAPH, sessionOptions(provider, 1));
      await session.release();
      statuses.push({ provider, loads: true, detail: 'loads' });
    } catch (error) {
      statuses.push({
        provider,
        loads: false,
        detail: `${(error as Error).message.split('\n')[0]} — ${INSTALL_HINT[provider]}`,
      });
    }
  }
  return statuses;
}
