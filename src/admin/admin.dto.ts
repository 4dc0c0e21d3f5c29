import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { PageDtoOf, PageQueryDto } from '../common/http/pagination';
import { APPROVAL_STATUSES, type ApprovalStatus } from './admin-approval.entity';

const ACTION_NAME = /^[a-z][a-z0-9_.:/ -]{0,63}$/i;

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: '9a4c2e1b-7d3f-4b5a-8c6e-0f1a2b3c4d5e', description: 'The admin who acted' })
  @IsOptional()
  @IsUUID()
  actor?: string;

  @ApiPropertyOptional({ example: 'user.ban', description: 'Exact action name' })
  @IsOptional()
  @Matches(ACTION_NAME, { message: 'action must be an action name such as user.ban' })
  action?: string;

  @ApiPropertyOptional({ example: '6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10', description: 'Id of the user, market, withdrawal or approval acted on' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  target?: string;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'From this instant (inclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31T00:00:00Z', description: 'Before this instant (exclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditEntryDto {
  @ApiProperty({ example: '1042' })
  id!: string;

  @ApiProperty({ example: '9a4c2e1b-7d3f-4b5a-8c6e-0f1a2b3c4d5e' })
  actorId!: string;

  @ApiProperty({ example: 'user.ban' })
  action!: string;

  @ApiProperty({ example: 'user', description: 'user, account, withdrawal, market, approval, route' })
  targetType!: string;

  @ApiProperty({ example: '6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10' })
  targetId!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: { status: 'active' }, description: 'The target before the action' })
  before!: unknown;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: { status: 'banned', sessionsRevoked: 2 }, description: 'The target after it' })
  after!: unknown;

  @ApiProperty({ example: '0b5c2f7e-3a4d-4d0e-9b1a-8d9e2f6c1a77', nullable: true, type: String })
  requestId!: string | null;

  @ApiProperty({ example: '2026-12-03T14:00:00.000Z' })
  createdAt!: string;
}

export class AuditPageDto extends PageDtoOf(AuditEntryDto) {}

export class ApprovalQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: APPROVAL_STATUSES,
    example: 'PENDING',
    description: 'Default: every status. Filters on the status shown: PENDING excludes approvals older than ADMIN_APPROVAL_TTL_MS, EXPIRED lists them',
  })
  @IsOptional()
  @IsIn(APPROVAL_STATUSES)
  status?: ApprovalStatus;
}

export class RejectApprovalDto {
  @ApiPropertyOptional({ example: 'Amount does not match the ticket' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class ApprovalDto {
  @ApiProperty({ example: '3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98' })
  id!: string;

  @ApiProperty({ example: 'account.adjustment', description: 'account.adjustment, withdrawal.approve or market.create' })
  action!: string;

  @ApiProperty({ example: '6f1c0c5e-8d0b-4b53-9a55-0f3f1f0d9a10', description: 'The user, withdrawal or new market concerned' })
  targetId!: string;

  @ApiProperty({ example: 'USDC' })
  asset!: string;

  @ApiProperty({ example: '250000.000000', description: 'Decimal string: the amount above ADMIN_APPROVAL_THRESHOLD' })
  amount!: string;

  @ApiProperty({
    enum: APPROVAL_STATUSES,
    example: 'PENDING',
    description: 'EXPIRED: still undecided ADMIN_APPROVAL_TTL_MS after it was requested; it can be rejected but no longer approved, and a new request for the target replaces it',
  })
  status!: ApprovalStatus;

  @ApiProperty({
    example: '2026-12-04T14:00:00.000Z',
    nullable: true,
    type: String,
    description: 'When a PENDING approval lapses (createdAt + ADMIN_APPROVAL_TTL_MS), or lapsed if EXPIRED; null once APPROVED or REJECTED',
  })
  expiresAt!: string | null;

  @ApiProperty({ example: '9a4c2e1b-7d3f-4b5a-8c6e-0f1a2b3c4d5e' })
  requestedBy!: string;

  @ApiProperty({ example: null, nullable: true, type: String })
  decidedBy!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  decidedAt!: string | null;

  @ApiProperty({ example: null, nullable: true, type: String })
  reason!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { asset: 'USDC', amount: '250000', reason: 'OTC deposit #12' }, description: 'The request as it will run' })
  payload!: Record<string, unknown>;

  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: null, description: 'The executed action’s response, once APPROVED' })
  result!: unknown;

  @ApiProperty({ example: '2026-12-03T14:00:00.000Z' })
  createdAt!: string;
}

export class ApprovalPageDto extends PageDtoOf(ApprovalDto) {}
