import { failureKind, isNodeAnswer, RpcTimeout, withTimeout } from './rpc-failures';

describe('RPC failures', () => {
  it('a JSON-RPC error object in the ethers error is the node answering (a revert, an unknown method)', () => {
    expect(isNodeAnswer({ code: 'CALL_EXCEPTION', info: { error: { code: 3, message: 'execution reverted', data: '0x' } } })).toBe(true);
    expect(isNodeAnswer({ code: 'UNKNOWN_ERROR', error: { code: -32601, message: 'Method not found' } })).toBe(true);
    expect(isNodeAnswer({ code: 'UNKNOWN_ERROR', error: { code: -32000, message: 'execution reverted' } })).toBe(true);
  });

  it('no answer, an HTTP error or a provider-trouble code is not', () => {
    expect(isNodeAnswer(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8545'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isNodeAnswer({ code: 'SERVER_ERROR', response: { statusCode: 502 } })).toBe(false);
    expect(isNodeAnswer(new RpcTimeout(10))).toBe(false);
    expect(isNodeAnswer({ code: 'UNKNOWN_ERROR', error: { code: -32005, message: 'limit exceeded' } })).toBe(false);
    expect(isNodeAnswer({ code: 'UNKNOWN_ERROR', error: { code: -32603, message: 'internal error' } })).toBe(false);
    expect(isNodeAnswer({ code: 'UNKNOWN_ERROR', error: { code: 429, message: 'too many requests' } })).toBe(false);
    expect(isNodeAnswer(undefined)).toBe(false);
    expect(isNodeAnswer('boom')).toBe(false);
  });

  it('withTimeout passes a quick answer through and rejects a slow one with RpcTimeout', async () => {
    await expect(withTimeout(Promise.resolve(7), 50)).resolves.toBe(7);
    await expect(withTimeout(new Promise((resolve) => setTimeout(resolve, 500)), 20)).rejects.toBeInstanceOf(RpcTimeout);
    await expect(withTimeout(Promise.reject(new Error('no')), 50)).rejects.toThrow('no');
  });

  it('names a failure without quoting it (an RPC URL may carry an API key)', () => {
    expect(failureKind(new RpcTimeout(10))).toBe('timeout');
    expect(failureKind(new Error('connect ECONNREFUSED 127.0.0.1:8545'))).toBe('ECONNREFUSED');
    const serverError = Object.assign(new Error('server response 429 (info={"requestUrl":"https://base.example/v2/SECRETKEY"})'), { code: 'SERVER_ERROR' });
    expect(failureKind(serverError)).toBe('HTTP error');
    expect(failureKind({ code: 'UNKNOWN_ERROR', error: { code: -32005, message: 'limit exceeded' } })).toBe('provider error -32005');
    expect(failureKind(new Error('https://base.example/v2/SECRETKEY exploded'))).toBe('unreachable');
  });
});
