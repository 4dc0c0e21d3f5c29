import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Unauthorized } from '../common/errors/domain-error';
import { AccessTokenService } from './access-token.service';
import { AuthChallengeEntity, ChallengeKind } from './auth-challenge.entity';
import { TokensDto } from './auth.dto';
import { ChallengesService } from './challenges.service';
import { ClientInfo, SessionsService } from './sessions.service';
import { UserDto } from './user.dto';
import { UserEntity } from './user.entity';
import { LoginIdentity, UsersService } from './users.service';

export interface ProvenChallenge {
  kind: ChallengeKind;
  /** The nonce or token the client presented. */
  secret: string;
  /** Extra checks against the issued challenge (address, message); throw to refuse. */
  check?: (challenge: AuthChallengeEntity) => void;
  /** The sign-in method the proof establishes. */
  identity: (challenge: AuthChallengeEntity) => LoginIdentity;
}

/**
 * The common end of every sign-in: consume the challenge, find or create (or link) the user and
 * open a session, all in one transaction, so a refused sign-in leaves the nonce usable and a
 * successful one spends it exactly once. Also refreshes sessions.
 */
@Injectable()
export class SignInService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly challenges: ChallengesService,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly accessTokens: AccessTokenService,
  ) {}

  async signIn(proof: ProvenChallenge, client: ClientInfo): Promise<TokensDto> {
    const { user, session, refreshToken } = await this.dataSource.transaction(async (manager) => {
      const challenge = await this.challenges.consume(manager, proof.kind, proof.secret, proof.check);
      const identity = proof.identity(challenge);
      // A challenge issued to a signed-in user (email linking) adds the method to that user.
      const found = challenge.userId ? await this.users.link(manager, challenge.userId, identity) : await this.users.findOrCreateFor(manager, identity);
      if (found.status === 'banned') throw new Unauthorized('user is banned');
      const signedIn = await this.users.recordSignIn(manager, found);
      return { user: signedIn, ...(await this.sessions.start(manager, signedIn.id, proof.kind, client)) };
    });
    return this.tokensFor(user, session.id, refreshToken);
  }

  /** Adds the proven method to a signed-in user, without a new session. */
  async link(userId: string, proof: ProvenChallenge): Promise<UserEntity> {
    return this.dataSource.transaction(async (manager) => {
      const challenge = await this.challenges.consume(manager, proof.kind, proof.secret, proof.check);
      return this.users.link(manager, userId, proof.identity(challenge));
    });
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<TokensDto> {
    const { session, refreshToken: next } = await this.sessions.rotate(refreshToken, client);
    const user = await this.users.findById(session.userId);
    if (!user) throw new Unauthorized('user no longer exists');
    if (user.status === 'banned') throw new Unauthorized('user is banned');
    return this.tokensFor(user, session.id, next);
  }

  private async tokensFor(user: UserEntity, sessionId: string, refreshToken: string): Promise<TokensDto> {
    const { accessToken, expiresIn } = await this.accessTokens.issue(user, sessionId);
    return { accessToken, refreshToken, expiresIn, user: UserDto.from(user) };
  }
}
