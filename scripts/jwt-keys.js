#!/usr/bin/env node
// The token signing key pair (Ed25519, node:crypto only): the private key is for merchant-onboarding alone, the public
// JWKS for every service that verifies tokens.
//   node scripts/jwt-keys.js DIR   writes DIR/jwt-private-key.pem (mode 600) and DIR/jwt-public-keys.json, once: an
//                                  existing pair is kept. Prints the kid. `npm start` runs it into .run/secrets/.
//   node scripts/jwt-keys.js --env prints a new pair as .env lines for docker compose: JWT_PRIVATE_KEY (onboarding
//                                  only) and JWT_PUBLIC_KEYS (the others). Also the first step of a key change-over.
// The kid is the public key's RFC 7638 thumbprint, which is merchant-onboarding's default kid (JWT_KEY_ID unset).
'use strict';
const { createHash, generateKeyPairSync } = require('node:crypto');
const { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

function newPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const { crv, kty, x } = publicKey.export({ format: 'jwk' });
  const kid = createHash('sha256').update(JSON.stringify({ crv, kty, x })).digest('base64url');
  return {
    kid,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    jwks: { keys: [{ kty, crv, x, kid, alg: 'EdDSA', use: 'sig' }] },
  };
}

const arg = process.argv[2];
if (arg === '--env') {
  const pair = newPair();
  process.stdout.write(
    `# token keys, kid ${pair.kid}\n` +
      `JWT_PRIVATE_KEY="${pair.privateKeyPem.trim().replace(/\n/g, '\\n')}"\n` +
      `JWT_PUBLIC_KEYS='${JSON.stringify(pair.jwks)}'\n`,
  );
} else if (arg && !arg.startsWith('-')) {
  const privatePath = join(arg, 'jwt-private-key.pem');
  const publicPath = join(arg, 'jwt-public-keys.json');
  if (!existsSync(privatePath) || !existsSync(publicPath)) {
    const pair = newPair();
    mkdirSync(arg, { recursive: true, mode: 0o700 });
    writeFileSync(privatePath, pair.privateKeyPem, { mode: 0o600 });
    chmodSync(privatePath, 0o600);
    writeFileSync(publicPath, `${JSON.stringify(pair.jwks)}\n`, { mode: 0o644 });
  }
  process.stdout.write(`${JSON.parse(readFileSync(publicPath, 'utf8')).keys[0].kid}\n`);
} else {
  process.stderr.write('usage: node scripts/jwt-keys.js DIR | --env\n');
  process.exit(2);
}
