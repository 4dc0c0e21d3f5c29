import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiErrorSpec } from '../common/http/api-errors.decorator';
import { toPage } from '../common/http/pagination';
import { UuidParam } from '../common/http/uuid-param';
import { SetRolesDto, UserPageDto, UserSearchQueryDto } from './admin-users.dto';
import { Roles } from './auth.decorators';
import { UserDto } from './user.dto';
import { UsersService } from './users.service';

const USER_NOT_FOUND: ApiErrorSpec = { status: 404, error: 'NotFound', message: 'User 9a4c2e1b-7d3f-4b5a-8c6e-0f1a2b3c4d5e not found', description: 'no such user' };

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
  @ApiErrors(USER_NOT_FOUND)
  async setRoles(@UuidParam('id', 'User') id: string, @Body() body: SetRolesDto): Promise<UserDto> {
    return UserDto.from(await this.users.setRoles(id, body.roles));
  }

  @Post(':id/ban')
  @ApiOperation({ summary: 'Ban a user: their tokens and sockets stop working at once' })
  @HttpCode(200)
  @ApiOkResponse({ type: UserDto, description: 'The user’s tokens stop working at once' })
  @ApiErrors(USER_NOT_FOUND)
  async ban(@UuidParam('id', 'User') id: string): Promise<UserDto> {
    return UserDto.from(await this.users.setStatus(id, 'banned'));
  }

  @Post(':id/unban')
  @ApiOperation({ summary: 'Lift a ban' })
  @HttpCode(200)
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(USER_NOT_FOUND)
  async unban(@UuidParam('id', 'User') id: string): Promise<UserDto> {
    return UserDto.from(await this.users.setStatus(id, 'active'));
  }
}
