import type { DataSource } from 'typeorm';
import type { TestUser } from '../../support/users';

/** A money POST with its Idempotency-Key, as a client under load sends it. */
export interface KeyedRequest {
  user: TestUser;
  key: string;
  kind: 'position' | 'trade' | 'withdrawal';
  path: string;
  body: object;
}

/** What the client saw: an HTTP answer, or nothing because the server died with the request in flight. */
export type Answer = { status: number; workId?: string; replayed: boolean; body: unknown } | { status: 'lost' };

/** The id of the row the request created, from its 2xx body: a trade's `tradeId`, otherwise `id`. */
function workIdOf(kind: KeyedRequest['kind'], body: unknown): string | undefined {
  const fields = body as { id?: string; tradeId?: string } | null;
  return (kind === 'trade' ? fields?.tradeId : fields?.id) ?? undefined;
}

export async function sendKeyed(url: string, request: KeyedRequest): Promise<Answer> {
  try {
    const response = await fetch(`${url}/api/v1${request.path}`, {
      method: 'POST',
      headers: { ...request.user.auth, 'Content-Type': 'application/json', 'Idempotency-Key': request.key },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await response.json().catch(() => null)) as unknown;
    const ok = response.status >= 200 && response.status < 300;
    return { status: response.status, workId: ok ? workIdOf(request.kind, body) : undefined, replayed: response.headers.get('idempotent-replayed') === 'true', body };
  } catch {
    // Connection refused or reset: the server is gone.
    return { status: 'lost' };
  }
}

export interface StoredKey {
  key: string;
  state: string;
  status: number | null;
  workId: string | undefined;
}

/**
 * The Idempotency-Key records of these users (a key's record commits with the work it answered, or not at all),
 * with the id of the row each completed one created.
 */
export async function storedKeys(db: DataSource, requests: KeyedRequest[]): Promise<Map<string, StoredKey>> {
  const byKey = new Map(requests.map((request) => [request.key, request]));
  const scopes = [...new Set(requests.map((request) => request.user.id))];
  const rows = (await db.query(`SELECT key, state, response_status, response_body FROM idempotency_keys WHERE scope = ANY($1::text[])`, [scopes])) as {
    key: string;
    state: string;
    response_status: number | null;
    response_body: unknown;
  }[];
  return new Map(
    rows
      .filter((row) => byKey.has(row.key))
      .map((row) => [row.key, { key: row.key, state: row.state, status: row.response_status, workId: workIdOf(byKey.get(row.key)!.kind, row.response_body) }]),
  );
}
