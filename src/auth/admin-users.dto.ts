import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '../common/http/pagination';
import { UserDto } from './user.dto';
import { USER_ROLES, type UserRole } from './user.entity';

export class UserSearchQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'satoshi', description: 'Substring of username, email or wallet/Aptos address' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  q?: string;
}

export class UserPageDto {
  @ApiProperty({ type: [UserDto] })
  data!: UserDto[];

  @ApiProperty({ type: PageMetaDto })
  meta!: PageMetaDto;
}

export class SetRolesDto {
  @ApiProperty({ enum: USER_ROLES, isArray: true, example: ['user', 'creator'], description: 'Replaces the roles; `user` is always kept' })
  @IsArray()
  @ArrayMaxSize(USER_ROLES.length)
  @IsIn(USER_ROLES, { each: true, message: `each role must be one of ${USER_ROLES.join(', ')}` })
  roles!: UserRole[];
}
