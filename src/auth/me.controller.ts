import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import type { AuthenticatedUser } from './authenticated-user';
import { CurrentUser } from './auth.decorators';
import { UpdateMeDto, UserDto } from './user.dto';
import { UsersService } from './users.service';

@ApiTags('me')
@Controller('me')
export class MeController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'Your profile: id, username, roles and linked sign-in methods' })
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentUser() caller: AuthenticatedUser): Promise<UserDto> {
    return UserDto.from(await this.users.getById(caller.id));
  }

  @Patch()
  @ApiOperation({ summary: 'Change your username' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(validationFailed('username', 'must be 3–24 characters of letters, digits and underscore'), {
    status: 409,
    error: 'Conflict',
    message: 'Username "satoshi_21" is taken',
    description: 'another user has this username',
  })
  async update(@CurrentUser() caller: AuthenticatedUser, @Body() body: UpdateMeDto): Promise<UserDto> {
    return UserDto.from(await this.users.rename(caller.id, body.username));
  }
}
