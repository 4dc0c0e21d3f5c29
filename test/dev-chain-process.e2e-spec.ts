import { rpcChainId } from '../src/blockchain/evm/anvil-process';
import { freePort } from './support/dev-chain';
import { assertBuilt, startServer } from './support/server-process';

async function gone(url: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if ((await rpcChainId(url, 300)) === undefined) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} still answers ${timeoutMs} ms after its server died`);
}

// The anvil a server starts on CHAIN=dev is its child: it must not outlive the server, even when the server gets
// no chance to stop it (kill -9), or the next start finds a stale chain on the port.
describe('the dev chain dies with the server that started it (e2e)', () => {
  beforeAll(assertBuilt);

  it('a server killed with SIGKILL leaves no anvil answering on its port', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = startServer({ CHAIN: 'dev', DEV_CHAIN_PORT: String(port), DEV_CHAIN_BLOCK_TIME: '1' });
    try {
      await server.waitForLog(/^dev chain: started anvil on /, 60_000);
      expect(await rpcChainId(url)).toBe(31337);
    } catch (error) {
      server.child.kill('SIGKILL');
      throw error;
    }
    server.child.kill('SIGKILL');
    expect((await server.exited).signal).toBe('SIGKILL');

    expect(await gone(url, 5000)).toBeLessThan(5000);
  }, 90_000);

  it('a server stopped with SIGTERM stops its anvil too', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = startServer({ CHAIN: 'dev', DEV_CHAIN_PORT: String(port), DEV_CHAIN_BLOCK_TIME: '1' });
    await server.waitForLog(/^dev chain: started anvil on /, 60_000);
    await server.waitForLog(/Swagger UI/, 60_000);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expect(await gone(url, 5000)).toBeLessThan(5000);
  }, 90_000);
});
