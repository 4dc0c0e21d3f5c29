import { Unauthorized } from '../common/errors/domain-error';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TokensDto } from './auth.dto';
import { ChallengesService } from './challenges.service';
import { MailerService } from './mailer.service';
import { newSecret } from './secrets';
import { ClientInfo } from './sessions.service';
import { SignInService } from './sign-in.service';

const LINK_TTL_SECONDS = 15 * 60;

/** Email magic links: a one-time token mailed to the address signs in (or links) whoever clicks it. */
@Injectable()
export class EmailSignInService {
  private readonly logger = new Logger('EmailSignIn');

  constructor(
    private readonly challenges: ChallengesService,
    private readonly signIns: SignInService,
    private readonly mailer: MailerService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Issues a token and mails the link. The caller answers 202 whatever happens here, so the
   * response never reveals whether the address has an account or whether mail went out.
   * With `linkToUserId`, clicking the link adds the email to that signed-in user.
   */
  async requestLink(email: string, linkToUserId?: string): Promise<void> {
    const address = email.trim().toLowerCase();
    const token = newSecret();
    await this.challenges.issue({ kind: 'email', secret: token, ttlSeconds: LINK_TTL_SECONDS, subject: address, userId: linkToUserId });
    const link = new URL(this.config.magicLinkUrl);
    link.searchParams.set('token', token);
    const purpose = linkToUserId ? 'add this email to your Cash Markets account' : 'sign in to Cash Markets';
    // Not awaited: SMTP latency must not show in the response time (that would leak deliverability).
    this.mailer
      .send({
        to: address,
        subject: linkToUserId ? 'Confirm your email for Cash Markets' : 'Your Cash Markets sign-in link',
        text: `Open this link to ${purpose}. It works once and expires in 15 minutes.\n\n${link.toString()}\n\nIf you did not ask for it, ignore this email.`,
      })
      .catch((error: unknown) => this.logger.error(`Sending the sign-in link failed: ${(error as Error).message}`));
  }

  /**
   * A link requested to add an email to an account only works for that account's own signed-in
   * caller: otherwise whoever opens the mail (a mistyped address, or a victim lured by an attacker
   * who linked the victim's email) would get a session on the requesting account.
   */
  async verify(token: string, client: ClientInfo, callerId?: string): Promise<TokensDto> {
    return this.signIns.signIn(
      {
        kind: 'email',
        secret: token,
        check: (challenge) => {
          if (challenge.userId && challenge.userId !== callerId) {
            throw new Unauthorized('this link adds an email to an account: open it while signed in to that account');
          }
        },
        identity: (challenge) => ({ email: challenge.subject! }),
      },
      client,
    );
  }
}
