import { Body, Controller, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { Public } from '../../src/auth/auth.decorators';
import { IsInt, IsString, Length, Min, ValidateNested } from 'class-validator';

class ProbeItem {
  @IsInt()
  @Min(1)
  quantity!: number;
}

class ProbeBody {
  @IsString()
  @Length(3, 10)
  name!: string;

  @ValidateNested()
  @Type(() => ProbeItem)
  item!: ProbeItem;
}

/** A test-only endpoint with a DTO, to see the global ValidationPipe answer through HTTP. */
@Public()
@Controller('probe')
class ValidationProbeController {
  @Post()
  echo(@Body() body: ProbeBody): ProbeBody {
    return body;
  }
}

@Module({ controllers: [ValidationProbeController] })
export class ValidationProbeModule {}
