import request from 'supertest';
import { DataSource } from 'typeorm';
import type { RunningApp } from './test-app';
import { createTestUser, TestUser } from './users';

export const DEV_ADDRESS = '0x71C7656EC7ab88b098defB751B7401B5f6d8976F';

/** An admin for reconciliation and adjustments. */
export function createAdmin(running: RunningApp): Promise<TestUser> {
  return createTestUser(running, { roles: ['user', 'admin'] });
}

/** A user whose USDC account is open (so the app's STARTING_BALANCE has been granted). */
export async function createFundedUser(running: RunningApp): Promise<TestUser> {
  const user = await createTestUser(running);
  await request(running.url).get('/api/v1/accounts/me').set(user.auth).expect(200);
  return user;
}

export async function balancesOf(running: RunningApp, user: TestUser): Promise<Record<string, { available: string; locked: string }>> {
  const response = await request(running.url).get('/api/v1/accounts/me').set(user.auth).expect(200);
  return Object.fromEntries((response.body.balances as { asset: string; available: string; locked: string }[]).map((b) => [b.asset, b]));
}

export async function reconcile(running: RunningApp, admin: TestUser) {
  const response = await request(running.url).get('/api/v1/admin/ledger/reconciliation').set(admin.auth).expect(200);
  return response.body as { ok: boolean; assets: { asset: string; sumOfEntries: string; accountsChecked: number; mismatches: unknown[] }[] };
}

export function db(running: RunningApp): DataSource {
  return running.app.get(DataSource);
}
