const { ensureDatabases } = require('../../scripts/create-databases');

module.exports = async () => {
  process.env.NODE_ENV = 'test';
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/cash_markets_test';
  await ensureDatabases(url, [new URL(url).pathname.slice(1)]);
};
