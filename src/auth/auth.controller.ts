import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrors, ApiErrorSpec } from '../common/http/api-errors.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { RefreshRateLimit, SignInRateLimit } from '../throttling/rate-limit.decorators';
import { AppConfig } from '../config/app-config';
import {
  AcceptedDto,
  AptosNonceDto,
  AptosNonceRequestDto,
  AptosVerifyDto,
  EmailRequestDto,
  EmailVerifyQueryDto,
  RefreshDto,
  SessionDto,
  SiweNonceDto,
  SiweVerifyDto,
  TokensDto,
} from './auth.dto';
import { CurrentUser, Public } from './auth.decorators';
import type { AuthenticatedUser } from './authenticated-user';
import { EmailSignInService } from './email-sign-in.service';
import { ClientInfo, SessionsService } from './sessions.service';
import { SignInService } from './sign-in.service';
import { WalletSignInService } from './wallet-sign-in.service';

export const EMAIL_LINK_SENT: AcceptedDto = { message: 'If the address can receive mail, a sign-in link valid for 15 minutes is on its way' };

export function clientOf(request: Request): ClientInfo {
  return { userAgent: request.header('user-agent'), ip: request.ip };
}

/** A smart wallet's SIWE signature is checked on chain; when the chain's RPC does not answer, neither yes nor no. */
export const SMART_WALLET_CHECK_UNAVAILABLE: ApiErrorSpec = {
  status: 503,
  error: 'ChainUnavailable',
  message: 'Could not check the smart-wallet signature: the RPC of chain 8453 did not answer (timeout); retry',
  details: { chainId: 8453, retryable: true },
  description: "a smart wallet's signature needs the chain, whose RPC did not answer; retry",
};

/** A sign-in proof that does not hold: the reason is in `message`. */
function refused(message: string): ApiErrorSpec {
  return { status: 401, error: 'Unauthorized', message, description: 'the proof is refused; `message` says why' };
}

/**
 * Sign-in routes count per client IP in the `sign-in` rate-limit bucket and refresh in its own; the
 * signed-in routes (logout, sessions) count per user under the general limit like the rest of the API.
 */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly wallets: WalletSignInService,
    private readonly emails: EmailSignInService,
    private readonly signIns: SignInService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @SignInRateLimit()
  @Post('siwe/nonce')
  @ApiOperation({ summary: 'Start an Ethereum sign-in: a single-use nonce for the EIP-4361 (SIWE) message' })
  @ApiCreatedResponse({ type: SiweNonceDto })
  siweNonce(): Promise<SiweNonceDto> {
    return this.wallets.siweNonce();
  }

  @Public()
  @SignInRateLimit()
  @Post('siwe/verify')
  @ApiOperation({ summary: 'Sign in with a signed SIWE message: access and refresh tokens (the account is created on first sign-in)' })
  @HttpCode(200)
  @ApiOkResponse({ type: TokensDto })
  @ApiErrors(refused('unknown nonce: request a new one'), SMART_WALLET_CHECK_UNAVAILABLE)
  siweVerify(@Body() body: SiweVerifyDto, @Req() request: Request): Promise<TokensDto> {
    return this.wallets.siweSignIn(body, clientOf(request));
  }

  @Public()
  @SignInRateLimit()
  @Post('aptos/nonce')
  @ApiOperation({ summary: 'Start an Aptos sign-in: a nonce and the message for the wallet’s signMessage' })
  @ApiCreatedResponse({ type: AptosNonceDto })
  @ApiErrors(refused('invalid Aptos address "0x12": address is too short'))
  aptosNonce(@Body() body: AptosNonceRequestDto): Promise<AptosNonceDto> {
    return this.wallets.aptosNonce(body.address);
  }

  @Public()
  @SignInRateLimit()
  @Post('aptos/verify')
  @ApiOperation({ summary: 'Sign in with a signed Aptos message: access and refresh tokens' })
  @HttpCode(200)
  @ApiOkResponse({ type: TokensDto })
  @ApiErrors(refused('signature does not verify over fullMessage with this public key'))
  aptosVerify(@Body() body: AptosVerifyDto, @Req() request: Request): Promise<TokensDto> {
    return this.wallets.aptosSignIn(body, clientOf(request));
  }

  @Public()
  @SignInRateLimit()
  @Post('email')
  @ApiOperation({ summary: 'Email a sign-in link (valid 15 minutes)' })
  @HttpCode(202)
  @ApiAcceptedResponse({ type: AcceptedDto, description: 'Always 202, whether or not the address has an account' })
  async emailLink(@Body() body: EmailRequestDto): Promise<AcceptedDto> {
    await this.emails.requestLink(body.email);
    return EMAIL_LINK_SENT;
  }

  @Public()
  @SignInRateLimit()
  @Get('email/verify')
  @ApiOperation({ summary: 'Open an emailed link: sign in (or, signed in, add the email to your account)' })
  @ApiOkResponse({ type: TokensDto, description: 'Also sets the access token as an HTTP-only SameSite=Lax cookie' })
  @ApiErrors(refused('sign-in link expired: request a new one'))
  async emailVerify(
    @Query() query: EmailVerifyQueryDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @CurrentUser() caller?: AuthenticatedUser,
  ): Promise<TokensDto> {
    const tokens = await this.emails.verify(query.token, clientOf(request), caller?.id);
    this.setAuthCookie(response, tokens);
    return tokens;
  }

  @Public()
  @RefreshRateLimit()
  @Post('refresh')
  @ApiOperation({ summary: 'Trade a refresh token for new access and refresh tokens (rotation; a reused token ends the session)' })
  @HttpCode(200)
  @ApiErrors(refused('refresh token expired: sign in again'))
  @ApiOkResponse({
    type: TokensDto,
    description: 'The presented refresh token is spent; use the returned one next time. A browser that sent the cookie gets it renewed.',
  })
  async refresh(@Body() body: RefreshDto, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<TokensDto> {
    const tokens = await this.signIns.refresh(body.refreshToken, clientOf(request));
    if ((request.cookies as Record<string, string> | undefined)?.[this.config.authCookieName]) this.setAuthCookie(response, tokens);
    return tokens;
  }

  @Post('logout')
  @ApiOperation({ summary: 'Log out: revoke this session and clear the cookie' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The session of this access token is revoked and the cookie cleared' })
  async logout(@CurrentUser() caller: AuthenticatedUser, @Res({ passthrough: true }) response: Response): Promise<void> {
    if (caller.sessionId) await this.sessions.revoke(caller.id, caller.sessionId, 'logout');
    response.clearCookie(this.config.authCookieName, { path: '/' });
  }

  @Get('sessions')
  @ApiOperation({ summary: 'Your active sessions (devices signed in), most recently used first' })
  @ApiOkResponse({ type: [SessionDto], description: 'Active sessions, most recently used first' })
  async listSessions(@CurrentUser() caller: AuthenticatedUser): Promise<SessionDto[]> {
    const sessions = await this.sessions.listActive(caller.id);
    return sessions.map((session) => SessionDto.from(session, caller.sessionId));
  }

  @Delete('sessions/:id')
  @ApiOperation({ summary: 'End one of your sessions (sign a device out)' })
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The session is revoked: its refresh token and access tokens stop working' })
  @ApiErrors({ status: 404, error: 'NotFound', message: 'Session 2c9e4b1a-6f3d-4e8a-b7c5-0d1e2f3a4b5c not found', description: 'no such session of yours' })
  async endSession(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', 'Session') id: string): Promise<void> {
    await this.sessions.revoke(caller.id, id, 'ended');
  }

  /** The browser session: HTTP-only so scripts cannot read it, Lax so cross-site POSTs do not carry it. */
  private setAuthCookie(response: Response, tokens: TokensDto): void {
    response.cookie(this.config.authCookieName, tokens.accessToken, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.config.isProduction,
      path: '/',
      maxAge: tokens.expiresIn * 1000,
    });
  }
}
