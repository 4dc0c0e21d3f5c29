import { Body, Controller, Module, Post } from '@nestjs/common';
import { IsString } from 'class-validator';
import { setTimeout as sleep } from 'node:timers/promises';
import { Idempotent } from '../../src/common/idempotency/idempotent.decorator';

class SlowBody {
  @IsString()
  note!: string;
}

/** A test-only idempotent endpoint that takes 1.5 s, to see a repeated key while the first is in flight. */
@Controller('probe')
class SlowIdempotentController {
  @Post('slow')
  @Idempotent()
  async slow(@Body() body: SlowBody): Promise<{ note: string; at: number }> {
    await sleep(1500);
    return { note: body.note, at: Date.now() };
  }
}

@Module({ controllers: [SlowIdempotentController] })
export class SlowIdempotentProbeModule {}
