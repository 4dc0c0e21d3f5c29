import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** anvil's binary from the `@foundry-rs/anvil-<os>-<arch>` package the npm package `@foundry-rs/anvil` installs. */
export function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    const binary = join(dirname(require.resolve(`${platformPackage}/package.json`)), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
    if (existsSync(binary)) return binary;
  } catch {
    // fall through to the message below
  }
  throw new Error(`anvil is not installed for ${process.platform}/${process.arch}: npm install @foundry-rs/anvil (it brings ${platformPackage})`);
}

export interface AnvilOptions {
  port: number;
  chainId: number;
  /** Seconds between blocks; 0 mines one block per transaction (automine). */
  blockTime: number;
}

/** Starts anvil on 127.0.0.1 with the standard test mnemonic (its first 20 accounts funded); resolves once its JSON-RPC answers. */
export async function startAnvil(options: AnvilOptions, timeoutMs = 15_000): Promise<ChildProcess> {
  const args = ['--host', '127.0.0.1', '--port', String(options.port), '--chain-id', String(options.chainId), '--accounts', '20', '--silent'];
  if (options.blockTime > 0) args.push('--block-time', String(options.blockTime));
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`anvil exited (${signal ?? code}) before answering on port ${options.port}: ${stderr.trim()}`))),
  );
  exited.catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = await Promise.race([rpcChainId(`http://127.0.0.1:${options.port}`).then((id) => id !== undefined), exited]);
    if (ready) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`anvil did not answer on port ${options.port} within ${timeoutMs} ms`);
}

/** The chain id a JSON-RPC endpoint answers with, or undefined if nothing answers there. */
export async function rpcChainId(url: string, timeoutMs = 1000): Promise<number | undefined> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as { result?: string };
    return body.result ? Number(BigInt(body.result)) : undefined;
  } catch {
    return undefined;
  }
}

export async function stopAnvil(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
