import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { SignInRateLimit } from '../throttling/rate-limit.decorators';
import { AcceptedDto, AptosVerifyDto, EmailRequestDto, SiweVerifyDto } from './auth.dto';
import { EMAIL_LINK_SENT, SMART_WALLET_CHECK_UNAVAILABLE } from './auth.controller';
import { CurrentUser } from './auth.decorators';
import type { AuthenticatedUser } from './authenticated-user';
import { EmailSignInService } from './email-sign-in.service';
import { UserDto } from './user.dto';
import { WalletSignInService } from './wallet-sign-in.service';

/**
 * A signed-in user adds another way to sign in, proven the same way as signing in with it.
 * Counted in the `sign-in` rate-limit bucket (per IP) like sign-in itself: these routes check proofs and send mail.
 */
@ApiTags('me')
@SignInRateLimit()
@ApiErrors(
  {
    status: 409,
    error: 'Conflict',
    message: 'This wallet is already linked to another account',
    description: 'the wallet or email is linked to another account',
    example: 'LinkedToAnotherAccount',
  },
  {
    status: 409,
    error: 'Conflict',
    message: 'This account already has another wallet linked',
    description: 'this account already has a different one',
    example: 'AccountHasAnother',
  },
)
@Controller('me/link')
export class LinkController {
  constructor(
    private readonly wallets: WalletSignInService,
    private readonly emails: EmailSignInService,
  ) {}

  @Post('siwe')
  @ApiOperation({ summary: 'Link an Ethereum wallet to your account (proven with a signed SIWE message)' })
  @HttpCode(200)
  @ApiOkResponse({ type: UserDto, description: 'Nonce from POST /auth/siwe/nonce; the wallet becomes walletAddress' })
  @ApiErrors(SMART_WALLET_CHECK_UNAVAILABLE)
  async siwe(@CurrentUser() caller: AuthenticatedUser, @Body() body: SiweVerifyDto): Promise<UserDto> {
    return UserDto.from(await this.wallets.siweLink(caller.id, body));
  }

  @Post('aptos')
  @ApiOperation({ summary: 'Link an Aptos wallet to your account (proven with a signed message)' })
  @HttpCode(200)
  @ApiOkResponse({ type: UserDto, description: 'Nonce from POST /auth/aptos/nonce; the address becomes aptosAddress' })
  async aptos(@CurrentUser() caller: AuthenticatedUser, @Body() body: AptosVerifyDto): Promise<UserDto> {
    return UserDto.from(await this.wallets.aptosLink(caller.id, body));
  }

  @Post('email')
  @ApiOperation({ summary: 'Link an email: a link is mailed, and opening it adds the address' })
  @HttpCode(202)
  @ApiAcceptedResponse({ type: AcceptedDto, description: 'Opening the mailed link (GET /auth/email/verify) adds the email and signs in' })
  async email(@CurrentUser() caller: AuthenticatedUser, @Body() body: EmailRequestDto): Promise<AcceptedDto> {
    await this.emails.requestLink(body.email, caller.id);
    return EMAIL_LINK_SENT;
  }
}
