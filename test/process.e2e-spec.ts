import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { assertBuilt, runServer } from './support/server-process';

const DIST = join(__dirname, '..', 'dist', 'src');

describe('server process (e2e)', () => {
  beforeAll(assertBuilt);

  it('exits 1 naming DATABASE_URL when PostgreSQL is unreachable, without hanging', async () => {
    const exit = await runServer({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/cash_markets_test' });
    expect(exit.code).toBe(1);
    expect(exit.output).toContain('Cannot connect to PostgreSQL at 127.0.0.1:1');
    expect(exit.output).toContain('DATABASE_URL');
    expect(exit.elapsedMs).toBeLessThan(20000);
  });

  it('exits 1 naming REDIS_URL when Redis is unreachable', async () => {
    const exit = await runServer({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(exit.code).toBe(1);
    expect(exit.output).toContain('Cannot connect to Redis at 127.0.0.1:1 (REDIS_URL)');
  });

  it('exits 1 listing every invalid variable', async () => {
    const exit = await runServer({ PORT: 'eighty', DATABASE_URL: 'mysql://nope', DB_MIGRATE_ON_START: 'maybe' });
    expect(exit.code).toBe(1);
    expect(exit.output).toContain('PORT must be an integer');
    expect(exit.output).toContain('DATABASE_URL must use postgres: or postgresql:');
    expect(exit.output).toContain('DB_MIGRATE_ON_START must be true or false');
  });

  it('drains and exits 0 on SIGTERM', async () => {
    let signalled = false;
    const exit = await runServer({ PUBLIC_URL: 'https://cash.example/' }, (output, child) => {
      if (!signalled && output.includes('Swagger UI')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    expect(signalled).toBe(true);
    expect(exit.output).toContain('SIGTERM received');
    expect(exit.code).toBe(0);
    // The log names what clients must use, not the bound socket.
    expect(exit.output).toContain('clients use PUBLIC_URL https://cash.example');
    expect(exit.output).toContain('SIWE messages must name the domain cash.example (SIWE_DOMAIN) and a URI on https://cash.example');
    expect(exit.output).toContain('Swagger UI: https://cash.example/docs (OpenAPI JSON: https://cash.example/docs-json)');
  });

  it('logs and counts an unhandled rejection and keeps running, as main.ts installs it', () => {
    const script = `
      require('reflect-metadata');
      const { MetricsService } = require(${JSON.stringify(join(DIST, 'health', 'metrics.service.js'))});
      const { UnhandledRejections } = require(${JSON.stringify(join(DIST, 'health', 'unhandled-rejections.js'))});
      const metrics = new MetricsService();
      new UnhandledRejections().install().countIn(metrics);
      Promise.reject(new Error('stray rejection'));
      setTimeout(async () => {
        process.stdout.write((await metrics.registry.metrics()).split('\\n').filter((line) => line.startsWith('unhandled_rejections_total')).join('\\n'));
        process.exit(0);
      }, 100);
    `;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20000 });
    expect(child.stderr).toContain('Unhandled promise rejection; the process keeps running (1 since start)');
    expect(child.stderr).toContain('stray rejection');
    expect(child.stdout).toBe('unhandled_rejections_total 1');
    expect(child.status).toBe(0);
  });
});
