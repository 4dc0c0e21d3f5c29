#!/usr/bin/env node
// Creates the development and test databases when missing, on the server DATABASE_URL points at
// (default: local PostgreSQL as user postgres). Safe to run again.
const { Client } = require('pg');

const base = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/cash_markets';
const names = process.argv.slice(2).length ? process.argv.slice(2) : ['cash_markets', 'cash_markets_test'];

async function ensureDatabases(databaseUrl, databaseNames) {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    for (const name of databaseNames) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Refusing odd database name "${name}"`);
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (rowCount === 0) {
        await client.query(`CREATE DATABASE ${name}`).catch((error) => {
          if (error.code !== '42P04') throw error; // created concurrently
        });
        console.log(`created database ${name}`);
      }
    }
  } finally {
    await client.end();
  }
}

module.exports = { ensureDatabases };

if (require.main === module) {
  ensureDatabases(base, names).catch((error) => {
    console.error(`Could not create databases on ${new URL(base).host}: ${error.message}`);
    process.exit(1);
  });
}
