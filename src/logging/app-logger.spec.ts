import { RequestContext, runInJobContext, withRequestId } from '../common/request-context';
import { createRootLogger, PinoLoggerService } from './app-logger';
import { censorSecrets, scrubText } from './redaction';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { lines, logger: createRootLogger({ logLevel: 'debug' }, destination) };
}

describe('app logger', () => {
  it('writes JSON lines with level, time, message and the request context of the work running now', () => {
    const { lines, logger } = capture();
    RequestContext.run({ requestId: 'req-1', userId: () => 'user-1' }, () => logger.info('inside'));
    logger.info('outside');
    expect(lines[0]).toMatchObject({ level: 'info', message: 'inside', requestId: 'req-1', userId: 'user-1' });
    expect(typeof lines[0].time).toBe('string');
    expect(lines[1]).not.toHaveProperty('requestId');
  });

  it('lets the fields a call passes win over the context, without writing a key twice', () => {
    const { lines, logger } = capture();
    const written: string[] = [];
    const raw = createRootLogger({ logLevel: 'info' }, { write: (line: string) => void written.push(line) });
    RequestContext.run({ requestId: 'context-id' }, () => {
      logger.info({ requestId: 'own-id' }, 'line');
      raw.info({ requestId: 'own-id' }, 'line');
    });
    expect(lines[0].requestId).toBe('own-id');
    expect(written[0].match(/"requestId"/g)).toHaveLength(1);
  });

  it('censors secrets by key at any depth and scrubs tokens, signatures and emails from messages', () => {
    const { lines, logger } = capture();
    logger.info(
      { password: 'hunter2', body: { refreshToken: 'r', user: { email: 'a@b.co' } }, headers: { authorization: 'Bearer x', cookie: 'c' } },
      'mail a@example.com the link http://x/verify?token=abc123&next=1 with Bearer eyJhbGciOi.eyJzdWIi.sig and 0x' + 'ab'.repeat(65),
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['hunter2', '"r"', 'a@b.co', 'Bearer x', 'abc123', 'eyJhbGciOi', 'a@example.com', 'abab']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ password: '[redacted]', body: { refreshToken: '[redacted]', user: { email: '[redacted]' } } });
    expect(lines[0].message).toBe('mail [email] the link http://x/verify?token=[redacted]&next=1 with Bearer [redacted] and [redacted]');
  });

  it('censors without touching the caller’s object, in any case, inside arrays, and leaves clean objects as they are', () => {
    const body = { Password: 'p', items: [{ Signature: 's', ok: 1 }], nested: { fine: true } };
    expect(censorSecrets(body)).toEqual({ Password: '[redacted]', items: [{ Signature: '[redacted]', ok: 1 }], nested: { fine: true } });
    expect(body.Password).toBe('p');
    expect(body.items[0].Signature).toBe('s');
    expect(censorSecrets({ path: '/api/v1/auth/email/verify?token=abc', to: 'a@b.co' })).toEqual({ path: '/api/v1/auth/email/verify?token=[redacted]', to: '[email]' });
    const clean = { a: { b: [1, 2] } };
    expect(censorSecrets(clean)).toBe(clean);
  });

  it('scrubs the dev chain wallets’ keys of the startup banner', () => {
    expect(scrubText(`  0x${'1'.repeat(40)}  private key 0x${'a'.repeat(64)}`)).toBe(`  0x${'1'.repeat(40)}  private key [redacted]`);
  });

  it('keeps what is not secret: addresses, hashes, ids', () => {
    const text = 'withdrawal 7f1c… to 0x' + '1'.repeat(40) + ' tx 0x' + 'f'.repeat(64) + ' exit code=1';
    expect(scrubText(text)).toBe(text);
  });

  it('adapts Nest logger calls: context last, Errors as err, objects as fields', () => {
    const { lines, logger } = capture();
    const nest = new PinoLoggerService(logger);
    nest.log('started', 'Bootstrap');
    nest.error('failed', new Error('boom'), 'Jobs');
    nest.error({ msg: 'Ledger reconciliation found mismatches', assets: ['USDC'] }, 'LedgerReconciliation');
    nest.warn('careful');
    expect(lines[0]).toMatchObject({ level: 'info', message: 'started', context: 'Bootstrap' });
    expect(lines[1]).toMatchObject({ level: 'error', message: 'failed', context: 'Jobs', err: { message: 'boom' } });
    expect(lines[2]).toMatchObject({ level: 'error', message: 'Ledger reconciliation found mismatches', assets: ['USDC'] });
    expect(lines[3]).toMatchObject({ level: 'warn', message: 'careful' });
    nest.setLogLevels(['error', 'fatal']);
    nest.warn('hidden');
    expect(lines).toHaveLength(4);
  });
});

describe('request ids in jobs', () => {
  it('adds the request id to job data inside a request, and runs the job in that request context', async () => {
    expect(withRequestId({ roundId: 'r' })).toEqual({ roundId: 'r' });
    const data = RequestContext.run({ requestId: 'req-9' }, () => withRequestId({ roundId: 'r' }));
    expect(data).toEqual({ roundId: 'r', requestId: 'req-9' });
    const seen = await runInJobContext({ id: '5', queueName: 'round-settlement', data }, async () => RequestContext.logFields());
    expect(seen).toEqual({ requestId: 'req-9', job: 'round-settlement:5' });
  });
});
