import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ErrorBody } from '../common/http/error-body';
import { toPage } from '../common/http/pagination';
import { UuidParam } from '../common/http/uuid-param';
import { SetRolesDto, UserPageDto, UserSearchQueryDto } from './admin-users.dto';
import { Roles } from './auth.decorators';
import { UserDto } from './user.dto';
import { UsersService } from './users.service';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@Roles('admin')
@ApiForbiddenResponse({ type: ErrorBody, description: 'The caller is not an admin' })
@Controller('admin/users')
export class UsersAdminController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: UserPageDto })
  async list(@Query() query: UserSearchQueryDto): Promise<UserPageDto> {
    const { users, total } = await this.users.search(query);
    return toPage(users.map(UserDto.from), total, query);
  }

  @Post(':id/roles')
  @HttpCode(200)
  @ApiOkResponse({ type: UserDto })
  async setRoles(@UuidParam('id', 'User') id: string, @Body() body: SetRolesDto): Promise<UserDto> {
    return UserDto.from(await this.users.setRoles(id, body.roles));
  }

  @Post(':id/ban')
  @HttpCode(200)
  @ApiOkResponse({ type: UserDto, description: 'The user’s tokens stop working at once' })
  async ban(@UuidParam('id', 'User') id: string): Promise<UserDto> {
    return UserDto.from(await this.users.setStatus(id, 'banned'));
  }

  @Post(':id/unban')
  @HttpCode(200)
  @ApiOkResponse({ type: UserDto })
  async unban(@UuidParam('id', 'User') id: string): Promise<UserDto> {
    return UserDto.from(await this.users.setStatus(id, 'active'));
  }
}
