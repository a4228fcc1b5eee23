import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * The text pdf.js extracts from a PDF, and each page's size in points: what a reader's viewer (and a screen reader)
 * gets out of it. A child process, because pdfjs-dist is ESM-only and jest runs the tests as CommonJS. The script sits
 * at the package root so that it is found from src/ (jest) and dist/ alike.
 */
export function pdfText(pdf: Buffer): Promise<{ pages: string[][]; sizes: [number, number][] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'pdf-text.mjs')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`pdf-text exited with ${code}: ${err}`));
      resolve(JSON.parse(out) as { pages: string[][]; sizes: [number, number][] });
    });
    child.stdin.end(pdf);
  });
}
