import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule, JwtModuleOptions } from '@nestjs/jwt';
import { RateLimitGuard } from '../throttling/rate-limit.guard';
import { ThrottlingModule } from '../throttling/throttling.module';
import { AppConfig } from '../config/app-config';
import { EvmChainModule } from '../blockchain/evm/evm-chain.module';
import { AccessTokenService } from './access-token.service';
import { AuthStateBroadcast } from './auth-state-broadcast';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { ChallengesService } from './challenges.service';
import { EmailSignInService } from './email-sign-in.service';
import { LinkController } from './link.controller';
import { MailerService } from './mailer.service';
import { MeController } from './me.controller';
import { SessionsService } from './sessions.service';
import { SignInService } from './sign-in.service';
import { SiweSignatures } from './siwe-signatures.service';
import { UsersAdminController } from './users.admin.controller';
import { UsersService } from './users.service';
import { WalletSignInService } from './wallet-sign-in.service';

/** RS256 when a key pair is configured, HS256 with JWT_SECRET otherwise. */
export function jwtOptions(config: AppConfig): JwtModuleOptions {
  if (config.jwtPrivateKey && config.jwtPublicKey) {
    return {
      privateKey: config.jwtPrivateKey,
      publicKey: config.jwtPublicKey,
      signOptions: { algorithm: 'RS256' },
      verifyOptions: { algorithms: ['RS256'] },
    };
  }
  return { secret: config.jwtSecret, signOptions: { algorithm: 'HS256' }, verifyOptions: { algorithms: ['HS256'] } };
}

@Module({
  imports: [JwtModule.registerAsync({ inject: [AppConfig], useFactory: jwtOptions }), ThrottlingModule, EvmChainModule],
  controllers: [MeController, LinkController, AuthController, UsersAdminController],
  providers: [
    UsersService,
    SessionsService,
    AuthStateBroadcast,
    AccessTokenService,
    ChallengesService,
    SignInService,
    SiweSignatures,
    WalletSignInService,
    EmailSignInService,
    MailerService,
    // Order matters: the rate limit counts per user, so it runs after the auth guard has identified the caller.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [UsersService, AccessTokenService, SessionsService, AuthStateBroadcast, MailerService],
})
export class AuthModule {}
