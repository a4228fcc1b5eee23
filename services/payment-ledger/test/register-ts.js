// Lets a plain `node` child process run this service's TypeScript sources as jest does (SWC to CommonJS, and
// `@marketqr/<pkg>` resolved to `packages/<pkg>/src`), so a test can run the real CLI without a build first.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('@swc/core');

const packages = path.resolve(__dirname, '../../../packages');
const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveWorkspace(request, ...rest) {
  const m = /^@marketqr\/([a-z0-9-]+)$/.exec(request);
  return m ? path.join(packages, m[1], 'src', 'index.ts') : originalResolve.call(this, request, ...rest);
};
Module._extensions['.ts'] = function compileTs(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
