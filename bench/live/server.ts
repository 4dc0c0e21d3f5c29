/**
 * The HTTP opens scenario's server: the real application (auth, validation, idempotency, rate limit, the engine
 * leading its perps shards, the simulator feed), started by bench/live/run.ts as a child process. It makes its
 * bench users and sends their access tokens over IPC. Never part of the production image's entry point.
 */
import 'reflect-metadata';
import { AccessTokenService } from '../../src/auth/access-token.service';
import { UsersService } from '../../src/auth/users.service';
import { AppConfig } from '../../src/config/app-config';
import { createApp } from '../../src/main';

export type LiveServerMessage = { type: 'ready'; url: string; tokens: string[] };

async function main(): Promise<void> {
  const config = AppConfig.fromEnv({ CHAIN: 'off', ...process.env });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const tokens: string[] = [];
  for (let i = 0; i < Number(process.env.BENCH_USERS ?? 16); i++) {
    const user = await app.get(UsersService).create({});
    tokens.push((await app.get(AccessTokenService).issue(user)).accessToken);
  }
  process.on('disconnect', () => {
    void app.close().finally(() => process.exit(0));
  });
  const ready: LiveServerMessage = { type: 'ready', url, tokens };
  process.send?.(ready);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
