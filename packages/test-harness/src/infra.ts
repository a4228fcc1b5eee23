import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = resolve(__dirname, '../../..');
export const infraScript = resolve(repoRoot, 'infra/local/infra.sh');

/** Runs infra/local/infra.sh with extra environment (ports, state dir). Output is returned, not printed. */
export async function infra(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000): Promise<string> {
  const { stdout, stderr } = await run('bash', [infraScript, ...args], {
    env: { ...process.env, ...env },
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout + stderr;
}

/** Exit status of `infra.sh status` as a boolean: both components up. */
export async function localInfraUp(env: NodeJS.ProcessEnv = {}): Promise<boolean> {
  try {
    await infra(['status'], env, 10_000);
    return true;
  } catch {
    return false;
  }
}
