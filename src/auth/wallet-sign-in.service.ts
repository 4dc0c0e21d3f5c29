import { Injectable } from '@nestjs/common';
import { Unauthorized } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { aptosSignInMessage, AptosProof, normalizeAptosAddress, verifyAptosSignIn } from './aptos-message';
import { AptosNonceDto, SiweNonceDto, SiweVerifyDto, TokensDto } from './auth.dto';
import { ChallengesService } from './challenges.service';
import { ClientInfo } from './sessions.service';
import { newNonce } from './secrets';
import { ProvenChallenge, SignInService } from './sign-in.service';
import { SignInRejected } from './sign-in-rejected';
import { checkSiweMessage, originOf } from './siwe-message';
import { SiweSignatures } from './siwe-signatures.service';
import { UserEntity } from './user.entity';

const NONCE_TTL_SECONDS = 10 * 60;
const CLOCK_SKEW_MS = 30_000;

/** Runs a pure proof check and answers its refusal as a 401 with the reason. */
function proven<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof SignInRejected) throw new Unauthorized(error.message);
    throw error;
  }
}

/** Sign-In with Ethereum (EIP-4361) and Sign in with Aptos: nonces and proofs. */
@Injectable()
export class WalletSignInService {
  /** Where a SIWE message's `URI` may point: PUBLIC_URL's origin and the CORS_ORIGINS web apps (unless `*`). */
  readonly siweUriOrigins: string[];

  constructor(
    private readonly challenges: ChallengesService,
    private readonly signIns: SignInService,
    private readonly siweSignatures: SiweSignatures,
    private readonly config: AppConfig,
  ) {
    const origins = [config.publicUrl, ...config.corsOrigins.filter((origin) => origin !== '*')].map(originOf);
    this.siweUriOrigins = [...new Set(origins.filter((origin): origin is string => origin !== undefined))];
  }

  async siweNonce(): Promise<SiweNonceDto> {
    const nonce = newNonce();
    await this.challenges.issue({ kind: 'siwe', secret: nonce, ttlSeconds: NONCE_TTL_SECONDS });
    return { nonce };
  }

  async siweSignIn(body: SiweVerifyDto, client: ClientInfo): Promise<TokensDto> {
    return this.signIns.signIn(await this.siweProof(body), client);
  }

  async siweLink(userId: string, body: SiweVerifyDto): Promise<UserEntity> {
    return this.signIns.link(userId, await this.siweProof(body));
  }

  async aptosNonce(address: string): Promise<AptosNonceDto> {
    const normalized = proven(() => normalizeAptosAddress(address));
    const nonce = newNonce();
    const message = aptosSignInMessage(this.config.siweDomain, normalized);
    await this.challenges.issue({ kind: 'aptos', secret: nonce, ttlSeconds: NONCE_TTL_SECONDS, subject: normalized, message });
    return { nonce, message };
  }

  async aptosSignIn(body: AptosProof, client: ClientInfo): Promise<TokensDto> {
    return this.signIns.signIn(this.aptosProof(body), client);
  }

  async aptosLink(userId: string, body: AptosProof): Promise<UserEntity> {
    return this.signIns.link(userId, this.aptosProof(body));
  }

  /** The message is checked first, so a smart wallet's RPC call is only made for an otherwise valid sign-in. */
  private async siweProof(body: SiweVerifyDto): Promise<ProvenChallenge> {
    const message = proven(() =>
      checkSiweMessage(body.message, {
        domain: this.config.siweDomain,
        uriOrigins: this.siweUriOrigins,
        chainIds: this.config.siweChainIds,
        now: new Date(),
        clockSkewMs: CLOCK_SKEW_MS,
      }),
    );
    await this.siweSignatures.confirm(message, body.message, body.signature);
    return { kind: 'siwe', secret: message.nonce, identity: () => ({ walletAddress: message.address }) };
  }

  private aptosProof(body: AptosProof): ProvenChallenge {
    const signed = proven(() => verifyAptosSignIn(body, this.config.siweDomain));
    return {
      kind: 'aptos',
      secret: signed.nonce,
      check: (challenge) => {
        if (challenge.subject !== signed.normalizedAddress) throw new Unauthorized('nonce was issued for another address');
        if (challenge.message !== signed.message) throw new Unauthorized('message differs from the one issued with this nonce');
      },
      identity: () => ({ aptosAddress: signed.normalizedAddress }),
    };
  }
}
