import { Logger } from '@nestjs/common';
import { MetricsService } from './metrics.service';
import { UnhandledRejections } from './unhandled-rejections';

async function counterValue(metrics: MetricsService): Promise<number> {
  const metric = await metrics.registry.getSingleMetric('unhandled_rejections_total')!.get();
  return metric.values[0]?.value ?? 0;
}

describe('UnhandledRejections', () => {
  let handler: UnhandledRejections;
  let logged: jest.SpyInstance;

  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    handler?.uninstall();
    logged.mockRestore();
  });

  it('counts and logs a rejection nobody handled, with its error, and lets the process run on', async () => {
    const metrics = new MetricsService();
    handler = new UnhandledRejections().install();
    handler.countIn(metrics);
    expect(await counterValue(metrics)).toBe(0);

    // Jest swallows real unhandled rejections itself; the process event is what Node emits for one
    // (test/process.e2e-spec.ts lets a real one happen in a child process).
    const error = new Error('Connection is closed.');
    const rejected = Promise.reject(error);
    rejected.catch(() => undefined);
    process.emit('unhandledRejection', error, rejected);

    expect(await counterValue(metrics)).toBe(1);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('Unhandled promise rejection; the process keeps running (1 since start)'), error);
    expect(await metrics.registry.metrics()).toMatch(/^unhandled_rejections_total 1$/m);
  });

  it('describes a reason that is not an Error', () => {
    const metrics = new MetricsService();
    handler = new UnhandledRejections();
    handler.countIn(metrics);
    handler.record({ code: 42 });
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/\(1 since start\): \{"code":42\}$/));
  });

  it('adds rejections seen before the metrics existed (during boot) once they do', async () => {
    handler = new UnhandledRejections();
    handler.record(new Error('early'));
    handler.record('also early');
    const metrics = new MetricsService();
    handler.countIn(metrics);
    handler.record(new Error('later'));
    expect(await counterValue(metrics)).toBe(3);
  });
});
