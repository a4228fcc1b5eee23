// Lets a plain `node` child process load this monorepo's TypeScript sources the way jest does (SWC, CommonJS, and
// `@marketqr/<pkg>` resolved to `packages/<pkg>/src`), so a test can SIGKILL a real process mid-stream.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const packagesDir = path.resolve(__dirname, '../../..');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const m = /^@marketqr\/([a-z0-9-]+)$/.exec(request);
  if (m) return path.join(packagesDir, m[1], 'src', 'index.ts');
  return resolveFilename.call(this, request, ...rest);
};

Module._extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
