import { randomUUID } from 'node:crypto';
import { AuthEvent } from '../../src/auth/auth.events';
import { DomainEventBus } from '../../src/common/events/domain-event-bus';
import { IdempotencyService } from '../../src/common/idempotency/idempotency.service';
import { IdempotentCommand } from '../../src/common/idempotency/idempotent-command';
import { commandTransaction, runInCommandUnit } from '../../src/common/transactions/command-transaction';
import { MediumModule, startMediumModule } from './support/medium-module';

/** The bus against real PostgreSQL transactions, savepoints and an Idempotency-Key command unit. */
describe('DomainEventBus: delivered after the real commit (medium)', () => {
  let medium: MediumModule;
  let bus: DomainEventBus;
  const banned = () => medium.events.named<{ userId: string }>(AuthEvent.UserBanned).map((event) => event.userId);
  const ban = (manager: Parameters<DomainEventBus['afterCommit']>[0], userId: string) => bus.afterCommit(manager, { name: AuthEvent.UserBanned, payload: { userId } });

  beforeAll(async () => {
    medium = await startMediumModule({ providers: [] });
    bus = medium.get(DomainEventBus);
  });
  afterAll(() => medium?.close());
  beforeEach(() => medium.events.clear());

  it('delivers on COMMIT, in order, before the transaction call returns; a rollback delivers nothing', async () => {
    await medium.dataSource.transaction(async (manager) => {
      ban(manager, 'a');
      await manager.query('SELECT 1');
      ban(manager, 'b');
      expect(banned()).toEqual([]);
    });
    expect(banned()).toEqual(['a', 'b']);

    await expect(
      medium.dataSource.transaction(async (manager) => {
        ban(manager, 'never');
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(banned()).toEqual(['a', 'b']);
  });

  it('drops what a rolled-back savepoint recorded and keeps the rest of the transaction', async () => {
    await medium.dataSource.transaction(async (manager) => {
      ban(manager, 'outer');
      await expect(
        manager.transaction(async (savepoint) => {
          ban(savepoint, 'inner');
          throw new Error('inner refused');
        }),
      ).rejects.toThrow('inner refused');
      await manager.transaction(async (savepoint) => ban(savepoint, 'released'));
    });
    expect(banned()).toEqual(['outer', 'released']);
  });

  it('holds a keyed command\'s events until its unit commits with the answer, and drops them when the unit fails', async () => {
    const keys = medium.get(IdempotencyService);
    const command = new IdempotentCommand(medium.dataSource, keys, { scope: 'medium', key: randomUUID(), requestHash: 'h' });
    await runInCommandUnit(command, () => commandTransaction(medium.dataSource, async (manager) => ban(manager, 'keyed')));
    expect(banned()).toEqual([]);
    await command.complete(201, { ok: true });
    expect(banned()).toEqual(['keyed']);

    const failing = new IdempotentCommand(medium.dataSource, keys, { scope: 'medium', key: randomUUID(), requestHash: 'h' });
    await runInCommandUnit(failing, () => commandTransaction(medium.dataSource, async (manager) => ban(manager, 'failed')));
    await failing.fail(undefined);
    expect(banned()).toEqual(['keyed']);
  });
});
