import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { baseConfigShape, checkAll, loadConfig, productionSecrets, rule } from './config';
import { ConfigError } from './errors';

test('defaults fill a development config', () => {
  const c = loadConfig(baseConfigShape, {});
  expect(c.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
  expect(c.NODE_ENV).toBe('development');
  expect(c.SHUTDOWN_TIMEOUT_MS).toBe(15_000);
});

test('every bad variable is named at once', () => {
  try {
    loadConfig(baseConfigShape, { KAFKA_BROKERS: 'nohostport', MONGO_URL: 'postgres://x', LOG_LEVEL: 'loud' });
    throw new Error('expected a ConfigError');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const problems = (e as ConfigError).problems.join('\n');
    expect(problems).toMatch(/KAFKA_BROKERS/);
    expect(problems).toMatch(/MONGO_URL/);
    expect(problems).toMatch(/LOG_LEVEL/);
  }
});

test('a secret can come from NAME_FILE, which wins over NAME', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'secret');
  writeFileSync(file, 's3cret-from-file\n');
  const shape = { JWT_SECRET: z.string().min(8) };
  expect(loadConfig(shape, { JWT_SECRET_FILE: file, JWT_SECRET: 'ignored-value' }).JWT_SECRET).toBe('s3cret-from-file');
  expect(() => loadConfig(shape, { JWT_SECRET_FILE: join(dir, 'missing') })).toThrow(/JWT_SECRET_FILE/);
  expect(() => loadConfig(shape, {})).toThrow(ConfigError);
});

test('production secrets: every missing one named at once outside development; stand-ins reported in development', () => {
  const given = {
    A_KEY: { value: undefined, development: 'dev-a' },
    B_KEY: { value: 'real-b', development: 'dev-b' },
    C_KEY: { value: undefined, development: 'dev-c' },
  };
  try {
    productionSecrets('production', given);
    throw new Error('expected a ConfigError');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problems).toEqual([
      'A_KEY: required (or A_KEY_FILE) outside development and test',
      'C_KEY: required (or C_KEY_FILE) outside development and test',
    ]);
  }
  expect(productionSecrets('test', given)).toEqual({
    values: { A_KEY: 'dev-a', B_KEY: 'real-b', C_KEY: 'dev-c' },
    defaulted: ['A_KEY', 'C_KEY'],
  });
});

test('checkAll runs every check and names all their problems in one ConfigError', () => {
  expect(
    checkAll(
      () => 1,
      () => 'two',
      rule(true, 'never'),
    ),
  ).toEqual([1, 'two', undefined]);
  try {
    checkAll(
      () => productionSecrets('production', { A_KEY: { value: undefined, development: 'x' } }),
      () => 42,
      rule(false, 'B_MS: must not be below C_MS'),
    );
    throw new Error('expected a ConfigError');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problems).toEqual([
      'A_KEY: required (or A_KEY_FILE) outside development and test',
      'B_MS: must not be below C_MS',
    ]);
  }
  // Anything else is a bug, not configuration: it is thrown as it is.
  expect(() =>
    checkAll(() => {
      throw new TypeError('boom');
    }),
  ).toThrow(TypeError);
});
