const { Client } = require('pg');
const Redis = require('ioredis');
const { ensureDatabases } = require('../../scripts/create-databases');

// Every test run starts from an empty database and an empty Redis key space: a run killed
// half-way (or an older build's migrations) must not leave rows that make the next run's
// ledger reconciliation fail. Only databases named *_test are dropped.
module.exports = async () => {
  process.env.NODE_ENV = 'test';
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/cash_markets_test';
  const name = new URL(url).pathname.slice(1);
  if (/_test$/.test(name) && process.env.TEST_KEEP_DATABASE !== 'true') await dropDatabase(url, name);
  await ensureDatabases(url, [name]);
  await clearRedisPrefix(process.env.REDIS_URL || 'redis://127.0.0.1:6379', process.env.REDIS_KEY_PREFIX || 'cm-test');
};

async function dropDatabase(url, name) {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function clearRedisPrefix(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
