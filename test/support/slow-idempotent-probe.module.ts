import { Body, Controller, Module, Post } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsString } from 'class-validator';
import { DataSource } from 'typeorm';
import { Idempotent } from '../../src/common/idempotency/idempotent.decorator';
import { commandTransaction } from '../../src/common/transactions/command-transaction';

class SlowBody {
  @IsString()
  note!: string;
}

const failedOnce = new Set<string>();

/** Test-only idempotent endpoints: `slow`, whose command transaction takes 1.5 s, to see a repeated key while the first is in flight; `flaky`. */
@Controller('probe')
class SlowIdempotentController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Post('slow')
  @Idempotent()
  async slow(@Body() body: SlowBody): Promise<{ note: string; at: number }> {
    await commandTransaction(this.dataSource, (manager) => manager.query(`SELECT pg_sleep(1.5)`));
    return { note: body.note, at: Date.now() };
  }

  /** Fails with a 500 inside its command transaction the first time it sees a note, then succeeds. */
  @Post('flaky')
  @Idempotent()
  async flaky(@Body() body: SlowBody): Promise<{ note: string; at: number }> {
    await commandTransaction(this.dataSource, async (manager) => {
      await manager.query(`SELECT 1`);
      if (!failedOnce.has(body.note)) {
        failedOnce.add(body.note);
        throw new Error('probe: a bug on the first attempt');
      }
    });
    return { note: body.note, at: Date.now() };
  }
}

@Module({ controllers: [SlowIdempotentController] })
export class SlowIdempotentProbeModule {}
