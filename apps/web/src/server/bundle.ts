import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';

/** The browser code, built once per process: TypeScript modules under src/client plus jsQR, in one script. */
export interface ClientBundle {
  js: string;
  /** Content hash, used as the ETag and in the script URL so a new build is never served from a stale cache. */
  hash: string;
}

/** The package's folder, from `dist/` (built) or `src/server/` (tests run the sources). */
export const packageRoot = existsSync(resolve(__dirname, '../package.json'))
  ? resolve(__dirname, '..')
  : resolve(__dirname, '../..');

/** `src/client` of this package: the sources ship with it (package.json `files`), so a built server finds them. */
export const clientEntry = resolve(packageRoot, 'src/client/main.ts');

export async function buildClientBundle(entry = clientEntry): Promise<ClientBundle> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    // Phones two or three years old: their browsers run ES2020 and have EventSource, speechSynthesis, getUserMedia.
    target: 'es2020',
    minify: true,
    sourcemap: false,
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = out.outputFiles[0]!.text;
  return { js, hash: createHash('sha256').update(js).digest('hex').slice(0, 16) };
}
