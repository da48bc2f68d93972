/** Which execution providers load on this machine: each is tried on a tiny built-in graph. */
import {
  AUTO_ORDER,
  INSTALL_HINT,
  providerLooksInstalled,
  type Provider,
} from './execution-provider.js';
import { probeProvider } from './probe-provider.js';

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
    const probe = await probeProvider(provider);
    statuses.push({
      provider,
      loads: probe.loads,
      detail: probe.loads ? 'loads' : `${probe.reason} — ${INSTALL_HINT[provider]}`,
    });
  }
  return statuses;
}
