import { readFileSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { Check } from '@sinclair/typebox/value';
import { HobError } from '../../shared/errors.js';

/**
 * What usage costs. A GB here is 2^30 bytes. The minimums are Sprites' billing rules: a running
 * sprite pays for at least `cpuMinimumCpus` of one CPU and `memoryMinimumGb` of memory for every
 * second it runs, whatever it used; a warm or cold sprite pays for storage only.
 */
export interface Prices {
  readonly currency: string;
  readonly cpuPerCpuHour: number;
  readonly cpuMinimumCpus: number;
  readonly memoryPerGbHour: number;
  readonly memoryMinimumGb: number;
  readonly hotStoragePerGbHour: number;
  readonly storagePerGbHour: number;
}

/** Sprites' list prices (2026): $0.07 per CPU-hour, $0.04375 per GB-hour of memory, hot storage $0.000683 and storage $0.000027 per GB-hour. */
export const LIST_PRICES: Prices = Object.freeze({
  currency: 'USD',
  cpuPerCpuHour: 0.07,
  cpuMinimumCpus: 0.0625,
  memoryPerGbHour: 0.04375,
  memoryMinimumGb: 0.25,
  hotStoragePerGbHour: 0.000683,
  storagePerGbHour: 0.000027,
});

const Amount = (description: string) => Type.Optional(Type.Number({ minimum: 0, description }));

/** The price file: JSON, every field optional (a missing one keeps its list price), no other fields. */
export const PriceFile = Type.Object(
  {
    currency: Type.Optional(Type.String({ minLength: 1, maxLength: 8 })),
    cpu_per_cpu_hour: Amount('per hour of one CPU used'),
    cpu_minimum_cpus: Amount('CPUs charged at least, for every second a sprite runs'),
    memory_per_gb_hour: Amount('per GB (2^30 bytes) of memory held for an hour while running'),
    memory_minimum_gb: Amount('GB of memory charged at least, for every second a sprite runs'),
    hot_storage_per_gb_hour: Amount('per GB-hour of a sprite’s bytes in the local pool'),
    storage_per_gb_hour: Amount('per GB-hour of a sprite’s bytes in the durable tier'),
  },
  { additionalProperties: false },
);

/** The prices in `path`, over the list prices; a file that is not valid is an error that names the fix. */
export function loadPriceFile(path: string, source: string): Prices {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new HobError('invalid_config', `${source}: cannot read ${path} as JSON: ${(error as Error).message}`); // readFileSync and JSON.parse throw Errors
  }
  if (!Check(PriceFile, parsed)) {
    throw new HobError(
      'invalid_config',
      `${source}: ${path} must be a JSON object with any of ${Object.keys(PriceFile.properties).join(', ')} (non-negative numbers; currency a short string), and nothing else`,
    );
  }
  return Object.freeze({
    currency: parsed.currency ?? LIST_PRICES.currency,
    cpuPerCpuHour: parsed.cpu_per_cpu_hour ?? LIST_PRICES.cpuPerCpuHour,
    cpuMinimumCpus: parsed.cpu_minimum_cpus ?? LIST_PRICES.cpuMinimumCpus,
    memoryPerGbHour: parsed.memory_per_gb_hour ?? LIST_PRICES.memoryPerGbHour,
    memoryMinimumGb: parsed.memory_minimum_gb ?? LIST_PRICES.memoryMinimumGb,
    hotStoragePerGbHour: parsed.hot_storage_per_gb_hour ?? LIST_PRICES.hotStoragePerGbHour,
    storagePerGbHour: parsed.storage_per_gb_hour ?? LIST_PRICES.storagePerGbHour,
  });
}
