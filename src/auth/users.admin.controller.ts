import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, type AdminActor, AuditedInService } from '../admin/admin-actor';
import { ApiErrors, ApiErrorSpec } from '../common/http/api-errors.decorator';
import { toPage } from '../common/http/pagination';
import { UuidParam } from '../common/http/uuid-param';
import { SetRolesDto, UserPageDto, UserSearchQueryDto } from './admin-users.dto';
import { Roles } from './auth.decorators';
import { UserDto } from './user.dto';
import { UsersService } from './users.service';

const USER_NOT_FOUND: ApiErrorSpec = { status: 404, error: 'NotFound', message: 'User 9a4c2e1b-7d3f-4b5a-8c6e-0f1a2b3c4d5e not found', description: 'no such user' };
const LAST_ADMIN: ApiErrorSpec = { status: 409, error: 'LastAdminRefused', message: 'This would leave no active admin: grant admin to someone else first', description: 'the user is the last active admin' };

@ApiTags('admin')
@Roles('admin')
@Controller('admin/users')
export class UsersAdminController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'Find users by part of their username, email or wallet address' })
  @ApiOkResponse({ type: UserPageDto })
  async list(@Query() query: UserSearchQueryDto): Promise<UserPageDto> {
    const { users, total } = await this.users.search(query);
    return toPage(users.map(UserDto.from), total, query);
  }

  @Post(':id/roles')
  @ApiOperation({ summary: 'Replace a user’s roles (user is always kept)' })
  @HttpCode(200)
  @ApiOkResponse({ type: UserDto })
  @AuditedInService()
  @ApiErrors(USER_NOT_FOUND, LAST_ADMIN, { status: 409, error: 'SelfDemotionRefused', message: 'You cannot remove your own admin role', description: 'an admin dropping their own admin role' })
  async setRoles(@Actor() actor: AdminActor, @UuidParam('id', 'User') id: string, @Body() body: SetRolesDto): Promise<UserDto> {
    return UserDto.from(await this.users.setRoles(id, body.roles, actor));
  }

  @Post(':id/ban')
  @ApiOperation({ summary: 'Ban a user: their sessions are revoked and their tokens and sockets stop working at once, on every instance' })
  @HttpCode(200)
  @AuditedInService()
  @ApiOkResponse({ type: UserDto, description: 'Banned; every session (and so every refresh token) revoked for good' })
  @ApiErrors(USER_NOT_FOUND, LAST_ADMIN, { status: 409, error: 'SelfBanRefused', message: 'You cannot ban yourself', description: 'an admin banning themselves' })
  async ban(@Actor() actor: AdminActor, @UuidParam('id', 'User') id: string): Promise<UserDto> {
    return UserDto.from(await this.users.setStatus(id, 'banned', actor));
  }

  @Post(':id/unban')
  @ApiOperation({ summary: 'Lift a ban (the sessions the ban revoked stay revoked: the user signs in again)' })
  @HttpCode(200)
  @AuditedInService()
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(USER_NOT_FOUND)
  async unban(@Actor() actor: AdminActor, @UuidParam('id', 'User') id: string): Promise<UserDto> {
    return UserDto.from(await this.users.setStatus(id, 'active', actor));
  }
}
