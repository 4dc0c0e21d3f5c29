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
  watchOverAnvil(child);
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

/**
 * The watchdog's program (`node -e`, argv[1] = anvil's pid). Its stdin is a pipe whose write end only the process
 * that started anvil holds: when that process ends, however it ends (kill -9 included), the pipe reaches EOF and
 * the watchdog stops anvil (SIGTERM, SIGKILL 2 s later). It also acts if it is re-parented (its parent died), and
 * exits once anvil is gone.
 */
const WATCHDOG = `
const pid = Number(process.argv[1]);
const parent = process.ppid;
const send = (signal) => { try { process.kill(pid, signal); return true; } catch { return false; } };
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  send('SIGTERM');
  setTimeout(() => { send('SIGKILL'); process.exit(0); }, 2000);
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
setInterval(() => {
  if (!send(0)) process.exit(0);
  if (process.ppid !== parent) stop();
}, 250);
`;

/**
 * Makes anvil die with this process: no prctl(PR_SET_PDEATHSIG) from Node, so a watchdog process watches a pipe
 * from us (WATCHDOG). Neither it nor its pipe keeps this process alive; a normal stop (stopAnvil) ends anvil first
 * and the watchdog follows it.
 */
function watchOverAnvil(anvil: ChildProcess): void {
  if (anvil.pid === undefined) return;
  const watchdog = spawn(process.execPath, ['-e', WATCHDOG, String(anvil.pid)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true, env: {} });
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  watchdog.unref();
  (watchdog.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
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
