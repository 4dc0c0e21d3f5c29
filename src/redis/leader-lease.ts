import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RAISE_FENCE = `if tonumber(redis.call('get', KEYS[1]) or '0') < tonumber(ARGV[1]) then return redis.call('set', KEYS[1], ARGV[1]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A Redis lease (SET NX PX) with a fencing token: every acquisition takes a new, larger number from
 * an INCR counter. The holder writes the token next to what it owns (the round row) and every write
 * checks it, so a paused ex-leader whose lease expired cannot overwrite its successor.
 */
export class LeaderLease {
  private readonly owner = randomUUID();
  private value: string | null = null;
  private heldToken: number | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  get token(): number | null {
    return this.heldToken;
  }

  /** The new fencing token when this process got the lease, else null. */
  async acquire(): Promise<number | null> {
    if (await this.redis.exists(this.key)) return null;
    const token = await this.redis.incr(`${this.key}:fence`);
    const value = `${this.owner}:${token}`;
    const ok = await this.redis.set(this.key, value, 'PX', this.ttlMs, 'NX');
    if (ok !== 'OK') return null;
    this.value = value;
    this.heldToken = token;
    return token;
  }

  /** False when the lease was lost (expired and taken, or deleted): the caller must stop acting as leader. */
  async renew(): Promise<boolean> {
    if (!this.value) return false;
    const renewed = (await this.redis.eval(RENEW, 1, this.key, this.value, String(this.ttlMs))) === 1;
    if (!renewed) this.forget();
    return renewed;
  }

  async release(): Promise<void> {
    if (!this.value) return;
    const value = this.value;
    this.forget();
    await this.redis.eval(RELEASE, 1, this.key, value);
  }

  /**
   * Makes the next acquisition's token larger than `token`, one already written next to what the lease guards:
   * after the fence counter was lost (Redis flushed) a new leader would otherwise draw tokens its predecessor beat.
   */
  async raiseFenceTo(token: number): Promise<void> {
    await this.redis.eval(RAISE_FENCE, 1, `${this.key}:fence`, String(token));
  }

  forget(): void {
    this.value = null;
    this.heldToken = null;
  }
}
