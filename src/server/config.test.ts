import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { HobError } from '../shared/errors.js';
import { resolveServerConfig } from './config.js';
import { LIST_PRICES } from './metering/prices.js';

test('defaults are the embedded ones', () => {
  const config = resolveServerConfig({}, { HOME: '/home/u' });
  assert.equal(config.listenHost, '127.0.0.1');
  assert.equal(config.listenPort, 7070);
  assert.equal(config.dataDir, '/var/lib/hob');
  assert.equal(config.cliConfigPath, '/home/u/.config/hob/config.json');
  assert.equal(config.defaultImage, 'debian');
  assert.equal(config.prebuildDefaultImage, true);
  assert.ok(Object.isFrozen(config));
});

test('flags win over the environment, which wins over defaults', () => {
  const env = { HOB_LISTEN: '0.0.0.0:8000', HOB_DATA_DIR: '/env', HOB_DEFAULT_IMAGE: 'tiny', HOB_PREBUILD: '0', XDG_CONFIG_HOME: '/xdg' };
  const fromEnv = resolveServerConfig({}, env);
  assert.deepEqual([fromEnv.listenHost, fromEnv.listenPort, fromEnv.dataDir, fromEnv.defaultImage, fromEnv.prebuildDefaultImage], ['0.0.0.0', 8000, '/env', 'tiny', false]);
  assert.equal(fromEnv.cliConfigPath, '/xdg/hob/config.json');
  const fromFlags = resolveServerConfig({ listen: '[::1]:9', dataDir: '/flag' }, env);
  assert.deepEqual([fromFlags.listenHost, fromFlags.listenPort, fromFlags.dataDir], ['::1', 9, '/flag']);
});

test('bad values are configuration errors that name the flag or variable they came from', () => {
  const refused = (flags: Parameters<typeof resolveServerConfig>[0], env: NodeJS.ProcessEnv, message: RegExp) =>
    assert.throws(() => resolveServerConfig(flags, env), (error: unknown) => error instanceof HobError && error.code === 'invalid_config' && message.test(error.message));
  refused({ listen: 'nope' }, {}, /^--listen must be HOST:PORT \(for example 127\.0\.0\.1:7070\), got "nope"$/);
  refused({ listen: '1.2.3.4:99999' }, {}, /--listen/);
  refused({}, { HOB_LISTEN: 'nonsense' }, /^HOB_LISTEN must be HOST:PORT/);
  refused({ poolSizeGib: '-1' }, {}, /^--pool-size-gib must be a positive number, got "-1"$/);
  refused({ warmPool: 'many' }, {}, /^--warm-pool must be a whole number from 0 to 64/);
  refused({ defaultImage: 'Bad Name' }, {}, /^--default-image must be an image name/);
  refused({ logLevel: 'loud' }, {}, /^--log-level must be one of trace, debug, info/);
  refused({}, { HOB_CONTAINER_PREFIX: 'UPPER' }, /^HOB_CONTAINER_PREFIX must be/);
});

test('logs are JSON unless stdout is a terminal; --log-format or HOB_LOG_FORMAT chooses explicitly', () => {
  assert.equal(resolveServerConfig({}, {}).logFormat, 'json');
  assert.equal(resolveServerConfig({}, {}, true).logFormat, 'pretty');
  assert.equal(resolveServerConfig({ logFormat: 'json' }, {}, true).logFormat, 'json');
  assert.equal(resolveServerConfig({}, { HOB_LOG_FORMAT: 'pretty' }, false).logFormat, 'pretty');
  assert.equal(resolveServerConfig({ logFormat: 'json' }, { HOB_LOG_FORMAT: 'pretty' }).logFormat, 'json', 'the flag wins');
  assert.throws(() => resolveServerConfig({ logFormat: 'xml' }, {}), /^HobError: --log-format must be json or pretty, got "xml"$/);
  assert.throws(() => resolveServerConfig({}, { HOB_LOG_FORMAT: 'color' }), /HOB_LOG_FORMAT must be json or pretty/);
});

test('metering: sampled every 5 s, minutes kept 7 days, at list prices unless a price file says otherwise', (t) => {
  const defaults = resolveServerConfig({}, {}).metering;
  assert.deepEqual([defaults.sampleIntervalMs, defaults.minuteRetentionMs, defaults.prices], [5000, 7 * 86_400_000, LIST_PRICES]);
  const fromEnv = resolveServerConfig({ usageRetention: '30d' }, { HOB_USAGE_SAMPLE_INTERVAL: '1s', HOB_USAGE_RETENTION: '1d' }).metering;
  assert.deepEqual([fromEnv.sampleIntervalMs, fromEnv.minuteRetentionMs], [1000, 30 * 86_400_000]);

  const dir = mkdtempSync(join(tmpdir(), 'hob-prices-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'prices.json');
  writeFileSync(file, JSON.stringify({ currency: 'EUR', cpu_per_cpu_hour: 0.05, memory_minimum_gb: 0 }));
  const prices = resolveServerConfig({ priceFile: file }, {}).metering.prices;
  assert.deepEqual(prices, { ...LIST_PRICES, currency: 'EUR', cpuPerCpuHour: 0.05, memoryMinimumGb: 0 });

  const refused = (flags: Parameters<typeof resolveServerConfig>[0], env: NodeJS.ProcessEnv, message: RegExp) =>
    assert.throws(() => resolveServerConfig(flags, env), (error: unknown) => error instanceof HobError && error.code === 'invalid_config' && message.test(error.message));
  refused({ usageSampleInterval: '10m' }, {}, /^--usage-sample-interval must be a duration from 100ms to 1m/);
  refused({}, { HOB_USAGE_RETENTION: 'forever' }, /^HOB_USAGE_RETENTION must be a duration from 1h to 366d/);
  refused({ priceFile: join(dir, 'missing.json') }, {}, /^--price-file: cannot read/);
  writeFileSync(file, JSON.stringify({ cpu_per_cpu_hr: 0.05 }));
  refused({}, { HOB_PRICE_FILE: file }, /^HOB_PRICE_FILE: .* must be a JSON object with any of currency, cpu_per_cpu_hour/);
  writeFileSync(file, JSON.stringify({ cpu_per_cpu_hour: -1 }));
  refused({ priceFile: file }, {}, /non-negative numbers/);
});
