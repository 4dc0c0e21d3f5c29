import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { USER_ROLES, UserEntity, UserRole, UserStatus } from './user.entity';

export class UserDto {
  @ApiProperty({ example: '6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10' })
  id!: string;

  @ApiProperty({ example: 'satoshi_21' })
  username!: string;

  @ApiProperty({ example: '0x71C7656EC7ab88b098defB751B7401B5f6d8976F', nullable: true, type: String })
  walletAddress!: string | null;

  @ApiProperty({ example: '0x1f0a...c3', nullable: true, type: String })
  aptosAddress!: string | null;

  @ApiProperty({ example: 'ada@example.com', nullable: true, type: String })
  email!: string | null;

  @ApiProperty({ enum: USER_ROLES, isArray: true, example: ['user'] })
  roles!: UserRole[];

  @ApiProperty({ enum: ['active', 'banned'], example: 'active' })
  status!: UserStatus;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z', nullable: true, type: String })
  lastLoginAt!: string | null;

  static from(user: UserEntity): UserDto {
    return {
      id: user.id,
      username: user.username,
      walletAddress: user.walletAddress,
      aptosAddress: user.aptosAddress,
      email: user.email,
      roles: user.roles,
      status: user.status,
      createdAt: user.createdAt.toISOString(),
      lastLoginAt: user.lastLoginAt ? user.lastLoginAt.toISOString() : null,
    };
  }
}

export class UpdateMeDto {
  @ApiProperty({ example: 'satoshi_21', description: '3–24 characters: letters, digits, underscore; unique' })
  @Matches(/^[a-zA-Z0-9_]{3,24}$/, { message: 'username must be 3–24 characters of letters, digits and underscore' })
  username!: string;
}
