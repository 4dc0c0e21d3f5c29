import { ApiProperty } from '@nestjs/swagger';
import { isEmail, IsString, Matches, MaxLength, ValidateBy, ValidationArguments } from 'class-validator';
import { AuthSessionEntity, SIGN_IN_METHODS, type SignInMethod } from './auth-session.entity';
import { UserDto } from './user.dto';

const SIWE_EXAMPLE =
  'localhost:3000 wants you to sign in with your Ethereum account:\n0x71C7656EC7ab88b098defB751B7401B5f6d8976F\n\nSign in to Cash Markets\n\n' +
  'URI: http://localhost:3000\nVersion: 1\nChain ID: 8453\nNonce: 9f2c4e1a7b3d5f60a1b2c3d4e5f60718\nIssued At: 2026-11-25T12:00:00.000Z';

export class SiweNonceDto {
  @ApiProperty({ example: '9f2c4e1a7b3d5f60a1b2c3d4e5f60718', description: 'Single use, valid 10 minutes' })
  nonce!: string;
}

/** Smart-wallet signatures are longer than a key's 132 characters: a passkey wallet's ERC-6492 one is a few thousand. */
const SIWE_SIGNATURE_MAX_LENGTH = 16_384;

export class SiweVerifyDto {
  @ApiProperty({ example: SIWE_EXAMPLE, description: 'The EIP-4361 message exactly as the wallet signed it' })
  @IsString()
  @MaxLength(4096)
  message!: string;

  @ApiProperty({
    example: '0x5f1c...1b',
    description:
      "The wallet's EIP-191 personal_sign signature, hex: 65 bytes from a key-pair wallet; from a smart wallet, whatever its ERC-1271 isValidSignature accepts, ERC-6492-wrapped while it is not deployed",
    maxLength: SIWE_SIGNATURE_MAX_LENGTH,
  })
  @IsString()
  @MaxLength(SIWE_SIGNATURE_MAX_LENGTH)
  signature!: string;
}

export class AptosNonceRequestDto {
  @ApiProperty({ example: '0x74c6103f8ceba60f9151bf3d6784e7777e09e8d1c59ddf5424c1ea961dec7830' })
  @IsString()
  @Matches(/^(0x)?[0-9a-fA-F]{1,64}$/, { message: 'address must be an Aptos account address (hex)' })
  address!: string;
}

export class AptosNonceDto {
  @ApiProperty({ example: '3b8a0f6c2d914e7f8a5b6c7d8e9f0a1b', description: 'Single use, valid 10 minutes, only for this address' })
  nonce!: string;

  @ApiProperty({
    example: 'localhost:3000 asks you to sign in to Cash Markets with your Aptos account 0x74c6…7830.',
    description: 'Pass as `message` (and `nonce`) to the wallet’s signMessage',
  })
  message!: string;
}

export class AptosVerifyDto extends AptosNonceRequestDto {
  @ApiProperty({ example: '0x16e3c6161b89a2fd98ad7d3f99d5a6322c082e11cb460d947be70d7b958f896e', description: 'Ed25519 public key, 32 bytes hex' })
  @IsString()
  @MaxLength(70)
  publicKey!: string;

  @ApiProperty({ example: '0x8c1d...0e', description: 'Ed25519 signature over fullMessage, 64 bytes hex' })
  @IsString()
  @MaxLength(140)
  signature!: string;

  @ApiProperty({
    example: 'APTOS\napplication: localhost:3000\nmessage: localhost:3000 asks you to sign in…\nnonce: 3b8a0f6c2d914e7f8a5b6c7d8e9f0a1b',
    description: 'The `fullMessage` the wallet returned from signMessage',
  })
  @IsString()
  @MaxLength(4096)
  fullMessage!: string;
}

/** A lone half of a UTF-16 surrogate pair: valid in a JSON string (`"\ud800"`), never in an address. */
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

/**
 * `@IsEmail()` that refuses text with an unpaired surrogate up front: the validator's own check
 * percent-decodes the address and throws a URIError on one, which would surface as a 500.
 */
function IsEmailAddress(): PropertyDecorator {
  return ValidateBy({
    name: 'isEmail',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && !UNPAIRED_SURROGATE.test(value) && isEmail(value),
      defaultMessage: ({ property, value }: ValidationArguments) =>
        typeof value === 'string' && UNPAIRED_SURROGATE.test(value)
          ? `${property} must be an email address (it contains an unpaired UTF-16 surrogate)`
          : `${property} must be an email address`,
    },
  });
}

export class EmailRequestDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsEmailAddress()
  @MaxLength(254)
  email!: string;
}

export class EmailVerifyQueryDto {
  @ApiProperty({ example: 'q9Kx2oVQfZ0d7rQ3sYb1mW4nE8tH6uJ5cL0aP9iG2kA', description: 'The token from the emailed link' })
  @IsString()
  @MaxLength(200)
  token!: string;
}

export class AcceptedDto {
  @ApiProperty({ example: 'If the address can receive mail, a sign-in link valid for 15 minutes is on its way' })
  message!: string;
}

export class RefreshDto {
  @ApiProperty({ example: 'Jm2cQ8f0Zr1vYw5kT3hN7sB4xD6uE9aL0pG1iK2oR3s' })
  @IsString()
  @MaxLength(200)
  refreshToken!: string;
}

export class TokensDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI2ZjFj...', description: 'JWT, send as `Authorization: Bearer`' })
  accessToken!: string;

  @ApiProperty({ example: 'Jm2cQ8f0Zr1vYw5kT3hN7sB4xD6uE9aL0pG1iK2oR3s', description: 'Opaque, single use: POST /auth/refresh returns the next one' })
  refreshToken!: string;

  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' })
  expiresIn!: number;

  @ApiProperty({ type: UserDto })
  user!: UserDto;
}

export class SessionDto {
  @ApiProperty({ example: '1d7e2c4a-5b6f-4a8e-9c0d-2e3f4a5b6c7d' })
  id!: string;

  @ApiProperty({ enum: SIGN_IN_METHODS, example: 'siwe' })
  method!: SignInMethod;

  @ApiProperty({ example: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)', nullable: true, type: String })
  userAgent!: string | null;

  @ApiProperty({ example: '203.0.113.7', nullable: true, type: String })
  ip!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-11-25T12:14:00.000Z' })
  lastUsedAt!: string;

  @ApiProperty({ example: '2026-12-25T12:14:00.000Z' })
  expiresAt!: string;

  @ApiProperty({ example: true, description: 'The session of the access token making this request' })
  current!: boolean;

  static from(session: AuthSessionEntity, currentSessionId?: string): SessionDto {
    return {
      id: session.id,
      method: session.method,
      userAgent: session.userAgent,
      ip: session.ip,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      current: session.id === currentSessionId,
    };
  }
}
