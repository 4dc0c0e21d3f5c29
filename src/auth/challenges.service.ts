import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, LessThan } from 'typeorm';
import { Unauthorized } from '../common/errors/domain-error';
import { AuthChallengeEntity, ChallengeKind } from './auth-challenge.entity';
import { sha256Hex } from './secrets';

export interface NewChallenge {
  kind: ChallengeKind;
  secret: string;
  ttlSeconds: number;
  subject?: string;
  message?: string;
  userId?: string;
}

const LABELS: Record<ChallengeKind, string> = { siwe: 'nonce', aptos: 'nonce', email: 'sign-in link' };
// Spent and expired challenges are kept a day for troubleshooting, then swept on issue.
const KEEP_EXPIRED_MS = 24 * 3600 * 1000;

/** Issues and consumes the one-time secrets of every sign-in method. */
@Injectable()
export class ChallengesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async issue(challenge: NewChallenge): Promise<void> {
    const repository = this.dataSource.getRepository(AuthChallengeEntity);
    await repository.delete({ expiresAt: LessThan(new Date(Date.now() - KEEP_EXPIRED_MS)) });
    await repository.insert({
      kind: challenge.kind,
      secretHash: sha256Hex(challenge.secret),
      subject: challenge.subject ?? null,
      message: challenge.message ?? null,
      userId: challenge.userId ?? null,
      expiresAt: new Date(Date.now() + challenge.ttlSeconds * 1000),
    });
  }

  /**
   * Marks the challenge used inside the caller's transaction, after `check` accepted it. The
   * conditional UPDATE is the atomic step: of many concurrent sign-ins with one secret, exactly one
   * gets the row; the rest see it used. If the caller's transaction rolls back, the secret stays usable.
   */
  async consume(
    manager: EntityManager,
    kind: ChallengeKind,
    secret: string,
    check: (challenge: AuthChallengeEntity) => void = () => undefined,
  ): Promise<AuthChallengeEntity> {
    const label = LABELS[kind];
    const secretHash = sha256Hex(secret);
    const found = await manager.getRepository(AuthChallengeEntity).findOneBy({ secretHash, kind });
    if (!found) throw new Unauthorized(`unknown ${label}: request a new one`);
    if (found.consumedAt) throw new Unauthorized(`${label} already used: request a new one`);
    if (found.expiresAt.getTime() <= Date.now()) throw new Unauthorized(`${label} expired: request a new one`);
    check(found);

    const result = await manager
      .createQueryBuilder()
      .update(AuthChallengeEntity)
      .set({ consumedAt: () => 'now()' })
      .where('secret_hash = :secretHash AND kind = :kind AND consumed_at IS NULL AND expires_at > now()', { secretHash, kind })
      .execute();
    if (result.affected !== 1) throw new Unauthorized(`${label} already used: request a new one`);
    return found;
  }
}
