import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './paths';

export interface RegistryProcess {
  child: ChildProcess;
  url: string;
  publicKey: string;
  /** Milliseconds from spawn to the printed URL and key. */
  startMs: number;
}

/**
 * Starts the real `veil registry serve` process on a free port of 127.0.0.1, with rate limits and
 * flood quarantine off and logs silent (for load and crash tests), and resolves once it prints
 * its URL and list public key. Rejects if it exits first, with what it wrote to stderr.
 */
export function spawnRegistry(dataDir: string, opts: { env?: NodeJS.ProcessEnv; args?: string[] } = {}): Promise<RegistryProcess> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['bin/veil.js', 'registry', 'serve', '--data', dataDir, '--port', '0', '--rate-limit', '0', '--flood-cases', '0', '--flood-hashes', '0', '--log-level', 'silent', ...(opts.args ?? [])],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const publicKey = /public key: ([0-9a-f]{64})/.exec(out)?.[1];
      if (url && publicKey) resolve({ child, url, publicKey, startMs: performance.now() - t0 });
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`registry exited (${code}) before listening: ${err}`)));
  });
}
