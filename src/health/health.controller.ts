import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { MetricsService } from './metrics.service';
import { ReadinessService } from './readiness.service';

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ description: 'The process is alive', schema: { example: { status: 'ok', uptimeSeconds: 12 } } })
  liveness(): { status: 'ok'; uptimeSeconds: number } {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis answer' })
  @ApiOkResponse({
    description: 'PostgreSQL and Redis are reachable',
    example: { status: 'ok', checks: { database: { status: 'up', latencyMs: 1 }, redis: { status: 'up', latencyMs: 0 } } },
  })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down; the failing check is named',
    example: {
      status: 'error',
      failing: ['redis'],
      checks: { database: { status: 'up', latencyMs: 1 }, redis: { status: 'down', latencyMs: 2000, error: 'timed out after 2000 ms' } },
    },
  })
  async readinessCheck(@Res({ passthrough: true }) response: Response) {
    const { ready, checks } = await this.readiness.check();
    response.status(ready ? 200 : 503);
    const failing = Object.entries(checks)
      .filter(([, result]) => result.status === 'down')
      .map(([name]) => name);
    return { status: ready ? 'ok' : 'error', ...(failing.length ? { failing } : {}), checks };
  }

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics (text format)' })
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOkResponse({ description: 'Prometheus metrics in text format' })
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
