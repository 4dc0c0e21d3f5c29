/**
 * Preload for a bench's server process (`BENCH_SERVER_NODE_ARGS="-r ./bench/markets/driver-counts.js"` with
 * BENCH_SERVER_SIGNALS=1): counts the statements the pg driver sends and the commands ioredis sends, with the
 * POST requests the HTTP server took, between SIGUSR2 (reset) and SIGUSR1 (written to
 * /tmp/driver-counts-<pid>.txt: per POST, by statement text, with mean ms, and the process's CPU per POST).
 */
/* eslint-disable */
const pg = require('pg');
const Redis = require('ioredis');
const http = require('node:http');
const { writeFileSync } = require('node:fs');

const counts = { statements: new Map(), commands: new Map(), posts: 0, since: Date.now(), cpu: process.cpuUsage() };
const shorten = (sql) => String(sql).replace(/\s+/g, ' ').slice(0, 110);

const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, values, callback) {
  const text = typeof config === 'string' ? config : config && config.text;
  const key = shorten(text);
  const entry = counts.statements.get(key) || { n: 0, ms: 0 };
  entry.n++;
  counts.statements.set(key, entry);
  const started = performance.now();
  const result = query.call(this, config, values, callback);
  const done = () => (entry.ms += performance.now() - started);
  if (result && typeof result.then === 'function') result.then(done, done);
  return result;
};

const sendCommand = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (command, stream) {
  counts.commands.set(command.name, (counts.commands.get(command.name) || 0) + 1);
  return sendCommand.call(this, command, stream);
};

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, request) {
  if (event === 'request' && request.method === 'POST') counts.posts++;
  return emit.apply(this, arguments);
};

process.on('SIGUSR2', () => {
  counts.statements.clear();
  counts.commands.clear();
  counts.posts = 0;
  counts.since = Date.now();
  counts.cpu = process.cpuUsage();
});

process.on('SIGUSR1', () => {
  const cpu = process.cpuUsage(counts.cpu);
  const posts = Math.max(1, counts.posts);
  const lines = [`POST requests: ${counts.posts} in ${Date.now() - counts.since} ms; CPU ${(((cpu.user + cpu.system) / 1000 / posts) * 1000).toFixed(0)} µs per POST`];
  let statements = 0;
  for (const [text, entry] of [...counts.statements].sort((a, b) => b[1].n - a[1].n)) {
    statements += entry.n;
    lines.push(`pg ${(entry.n / posts).toFixed(3)}/POST  ${(entry.ms / entry.n).toFixed(2)} ms  ${text}`);
  }
  lines.push(`pg total ${(statements / posts).toFixed(2)}/POST`);
  let commands = 0;
  for (const [name, n] of [...counts.commands].sort((a, b) => b[1] - a[1])) {
    commands += n;
    lines.push(`redis ${(n / posts).toFixed(3)}/POST ${name}`);
  }
  lines.push(`redis total ${(commands / posts).toFixed(2)}/POST`);
  writeFileSync(`/tmp/driver-counts-${process.pid}.txt`, `${lines.join('\n')}\n`);
});
