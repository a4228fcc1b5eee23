import { hashSecret, needsRehash, verifySecret, type ScryptParams } from './index';

// Cheap parameters keep the suite fast; one test runs the defaults.
const fast: ScryptParams = { N: 2 ** 10, r: 8, p: 1, keyLength: 32, saltLength: 16 };

describe('scrypt secrets', () => {
  it('verifies the right secret and only it, with the default parameters', async () => {
    const stored = await hashSecret('mật khẩu đúng');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifySecret('mật khẩu đúng', stored)).toBe(true);
    expect(await verifySecret('mật khẩu sai', stored)).toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashSecret('123456', fast), hashSecret('123456', fast)]);
    expect(a).not.toBe(b);
    expect(await verifySecret('123456', a)).toBe(true);
    expect(await verifySecret('123456', b)).toBe(true);
  });

  it('treats composed and decomposed Vietnamese as the same secret', async () => {
    const composed = 'Hòa'.normalize('NFC');
    const decomposed = 'Hòa'.normalize('NFD');
    expect(composed).not.toBe(decomposed);
    expect(await verifySecret(decomposed, await hashSecret(composed, fast))).toBe(true);
  });

  it('refuses malformed or abusive stored hashes without throwing', async () => {
    const stored = await hashSecret('pin', fast);
    const parts = stored.split('$');
    expect(await verifySecret('pin', 'plain-text')).toBe(false);
    expect(await verifySecret('pin', ['scrypt', 2 ** 24, ...parts.slice(2)].join('$'))).toBe(false);
    expect(await verifySecret('pin', ['scrypt', 1000, ...parts.slice(2)].join('$'))).toBe(false);
    expect(await verifySecret('pin', [...parts.slice(0, 5), ''].join('$'))).toBe(false);
  });

  it('asks for a re-hash when parameters change', async () => {
    const stored = await hashSecret('pin', fast);
    expect(needsRehash(stored)).toBe(true);
    expect(needsRehash(stored, fast)).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });
});
