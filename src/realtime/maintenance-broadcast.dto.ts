import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, IsString, Length } from 'class-validator';

export class MaintenanceBroadcastDto {
  @ApiProperty({ example: 'Trading pauses for an upgrade; open positions are safe.', minLength: 1, maxLength: 500 })
  @IsString()
  @Length(1, 500)
  message!: string;

  @ApiProperty({ example: '2026-11-25T18:00:00.000Z', description: 'When the maintenance starts (ISO 8601)' })
  @IsISO8601({ strict: true })
  startsAt!: string;
}

export class MaintenanceBroadcastResultDto {
  @ApiProperty({ example: 'system:maintenance' })
  event!: string;

  @ApiProperty({ example: 'Trading pauses for an upgrade; open positions are safe.' })
  message!: string;

  @ApiProperty({ example: '2026-11-25T18:00:00.000Z', description: 'Normalised to UTC ISO 8601' })
  startsAt!: string;
}
