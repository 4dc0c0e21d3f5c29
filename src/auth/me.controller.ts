import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from './authenticated-user';
import { CurrentUser } from './auth.decorators';
import { UpdateMeDto, UserDto } from './user.dto';
import { UsersService } from './users.service';

@ApiTags('me')
@ApiBearerAuth('bearer')
@Controller('me')
export class MeController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentUser() caller: AuthenticatedUser): Promise<UserDto> {
    return UserDto.from(await this.users.getById(caller.id));
  }

  @Patch()
  @ApiOkResponse({ type: UserDto })
  async update(@CurrentUser() caller: AuthenticatedUser, @Body() body: UpdateMeDto): Promise<UserDto> {
    return UserDto.from(await this.users.rename(caller.id, body.username));
  }
}
