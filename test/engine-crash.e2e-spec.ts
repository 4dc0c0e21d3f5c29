import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DataSource } from 'typeorm';
import { BENCH_ROWS_DDL } from '../bench/engine/row-venue';
import { AppConfig } from '../src/config/app-config';

// Two venue engine processes (bench/engine/crash-worker.ts, compiled by `npm run build`) share PostgreSQL and
// Redis and one shard of the row venue, which writes one row per applied command into bench.engine_rows (no
// unique constraint there, so a command applied twice shows as two rows). Clients submit through both; the
// shard's leader is SIGKILLed mid-load; the survivor must take over, and every command must end up applied once.

const WORKER = join(__dirname, '..', 'dist', 'bench', 'engine', 'crash-worker.js');
const DATABASE_URL = AppConfig.fromEnv({ ...process.env, NODE_ENV: 'test' }).databaseUrl;
const LEASE_MS = 1000;
// Shorter than the time without a leader (at least two thirds of the lease: it was renewed at most a third of it
// before the kill), so the survivor's clients get 503s during the takeover and retry ids still waiting in the stream.
const REPLY_TIMEOUT_MS = 400;
const ENGINE_ENV = { ENGINE_LEASE_MS: String(LEASE_MS), ENGINE_REPLY_TIMEOUT_MS: String(REPLY_TIMEOUT_MS), ENGINE_BATCH_MS: '2', LOG_LEVEL: 'warn' };
const COMMANDS = 800;
const CLIENTS_PER_PROCESS = 8;
const KILL_AFTER_ACKS = 200;
/** The kill lands while at least this many commands sent to the leader are unanswered. */
const IN_FLIGHT_AT_KILL = 4;

type Answer = { id: string; ok: true; result: unknown } | { id: string; ok: false; status: number; error: string };
/** What a client saw: an answer, or nothing because the process died first. */
type Seen = Answer | { id: string; lost: true };

interface EngineProcess {
  name: string;
  child: ChildProcess;
  alive: boolean;
  ready: boolean;
  /** Times (ms since epoch) of each `LEADING true`. */
  ledAt: number[];
  inFlight: Map<string, ((seen: Seen) => void)[]>;
  exited: Promise<NodeJS.Signals | null>;
  output: string[];
  waitFor(condition: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  submit(id: string): Promise<Seen>;
}

function startEngineProcess(name: string, shard: string): EngineProcess {
  const child = spawn(process.execPath, [WORKER, shard], { env: { ...process.env, NODE_ENV: 'test', ...ENGINE_ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiters: (() => void)[] = [];
  const wakeAll = () => [...waiters].forEach((waiter) => waiter());
  const proc: EngineProcess = {
    name,
    child,
    alive: true,
    ready: false,
    ledAt: [],
    inFlight: new Map(),
    output: [],
    exited: new Promise((resolve) =>
      child.on('exit', (_code, signal) => {
        proc.alive = false;
        // Whatever it had not answered is lost to its clients.
        for (const [id, callbacks] of proc.inFlight) callbacks.forEach((callback) => callback({ id, lost: true }));
        proc.inFlight.clear();
        wakeAll();
        resolve(signal);
      }),
    ),
    waitFor: (condition, what, timeoutMs = 20000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (condition()) return done(resolve);
          if (!proc.alive) return done(() => reject(new Error(`${name} exited while waiting for ${what}:\n${proc.output.join('\n')}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`${name}: no ${what} within ${timeoutMs} ms:\n${proc.output.join('\n')}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          settle();
        };
        waiters.push(check);
        check();
      }),
    submit: (id) =>
      new Promise<Seen>((resolve) => {
        if (!proc.alive) return resolve({ id, lost: true });
        proc.inFlight.set(id, [...(proc.inFlight.get(id) ?? []), resolve]);
        child.stdin!.write(`${JSON.stringify({ id })}\n`);
      }),
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'READY') proc.ready = true;
    else if (line === 'LEADING true') proc.ledAt.push(Date.now());
    else if (line.startsWith('OUTCOME ')) {
      const answer = JSON.parse(line.slice('OUTCOME '.length)) as Answer;
      const callbacks = proc.inFlight.get(answer.id) ?? [];
      proc.inFlight.delete(answer.id);
      callbacks.forEach((callback) => callback(answer));
    } else proc.output.push(line);
    wakeAll();
  });
  createInterface({ input: child.stderr! }).on('line', (line) => proc.output.push(line));
  child.stdin!.on('error', () => undefined); // writes to a killed process
  return proc;
}

describe('venue engine: two processes, the shard leader killed with SIGKILL under load (e2e)', () => {
  let db: DataSource;
  const processes: EngineProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run "npm run build" first (npm test does)`);
    db = await new DataSource({ type: 'postgres', url: DATABASE_URL }).initialize();
    for (const statement of BENCH_ROWS_DDL) await db.query(statement);
  });

  afterAll(async () => {
    for (const proc of processes) {
      if (!proc.alive) continue;
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
    await db?.destroy();
  });

  it('the survivor takes over within the lease; acknowledged and retried commands are each applied exactly once', async () => {
    const shard = `crash-${randomUUID().slice(0, 8)}`;
    const ids = Array.from({ length: COMMANDS }, (_, n) => `${shard}-${n}`);
    // One after the other, so that the first leads (it is alone when it takes the shard) and migrations do not race.
    const first = startEngineProcess('first', shard);
    processes.push(first);
    await first.waitFor(() => first.ledAt.length > 0, 'leadership');
    const second = startEngineProcess('second', shard);
    processes.push(second);
    await second.waitFor(() => second.ready, 'READY');

    const acknowledged = new Map<string, unknown>();
    const acknowledgedByFirstBeforeKill: string[] = [];
    let lost = 0;
    let unavailable = 0;
    let killedAt: number | null = null;
    let inFlightAtKill = 0;
    const queue = [...ids];
    const survivorOr = (proc: EngineProcess) => (proc.alive ? proc : second);

    // Each client sends its next command when the previous one was answered; a 503 or no answer (the process
    // died) puts the id back for a retry with the same id, through a living process.
    const client = async (home: EngineProcess) => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const via = survivorOr(home);
        const sent = via.submit(id);
        if (via === first && killedAt === null && acknowledged.size >= KILL_AFTER_ACKS && first.inFlight.size >= IN_FLIGHT_AT_KILL) {
          inFlightAtKill = first.inFlight.size;
          killedAt = Date.now();
          first.child.kill('SIGKILL');
        }
        const seen = await sent;
        if ('ok' in seen && seen.ok) {
          acknowledged.set(id, seen.result);
          if (via === first && killedAt === null) acknowledgedByFirstBeforeKill.push(id);
        } else if ('lost' in seen || seen.status === 503) {
          if ('lost' in seen) lost += 1;
          else unavailable += 1;
          queue.push(id);
        } else {
          throw new Error(`unexpected refusal of ${id}: ${JSON.stringify(seen)}`);
        }
      }
    };
    const clients = [first, second].flatMap((home) => Array.from({ length: CLIENTS_PER_PROCESS }, () => client(home)));
    // A client that puts an id back for a retry takes it again itself, so when all clients are done every id was acknowledged.
    await Promise.all(clients);
    expect(acknowledged.size).toBe(COMMANDS);

    expect(await first.exited).toBe('SIGKILL');
    expect(inFlightAtKill).toBeGreaterThanOrEqual(IN_FLIGHT_AT_KILL);
    expect(lost).toBeGreaterThanOrEqual(IN_FLIGHT_AT_KILL);
    expect(unavailable).toBeGreaterThan(0);
    // The takeover: the survivor leads (waiting far longer than the lease would, so a slow machine does not fail it).
    await second.waitFor(() => second.ledAt.length > 0, 'takeover', LEASE_MS + 15000);
    const takeoverMs = second.ledAt[0] - killedAt!;
    process.stdout.write(`engine crash test: takeover ${takeoverMs} ms after SIGKILL (lease ${LEASE_MS} ms); retried ${lost} lost and ${unavailable} answered 503\n`);

    // Clients whose answers were lost retry commands the dead leader had committed: answered from engine_commands, not applied again.
    const replays = await Promise.all(acknowledgedByFirstBeforeKill.map((id) => second.submit(id)));

    const rows = (await db.query(`SELECT command_id, count(*)::int AS applied FROM bench.engine_rows WHERE shard = $1 GROUP BY command_id`, [shard])) as {
      command_id: string;
      applied: number;
    }[];
    expect(rows.filter((row) => row.applied !== 1)).toEqual([]);
    expect(rows.map((row) => row.command_id).sort()).toEqual([...ids].sort());
    const [{ stored }] = (await db.query(`SELECT count(*)::int AS stored FROM engine_commands WHERE venue = 'bench' AND shard = $1`, [shard])) as { stored: number }[];
    expect(stored).toBe(COMMANDS);
    expect(replays.filter((seen) => !('ok' in seen && seen.ok))).toEqual([]);
    expect(replays.map((seen) => ('ok' in seen && seen.ok ? seen.result : null))).toEqual(acknowledgedByFirstBeforeKill.map((id) => acknowledged.get(id)));
  });
});
