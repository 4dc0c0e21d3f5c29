/**
 * Telling "the node answered no" from "the node did not answer". A JSON-RPC error object (a revert, a bad
 * parameter) is the node's answer; a refused connection, a timeout or an HTTP error status is not, and neither
 * are the JSON-RPC codes providers use for their own trouble.
 */
const PROVIDER_TROUBLE_CODES = new Set([
  -32005, // limit exceeded (rate limited)
  -32603, // internal error
  429,
]);

interface JsonRpcErrorObject {
  code: number;
  message?: string;
}

function jsonRpcError(value: unknown): JsonRpcErrorObject | undefined {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'number' ? (value as JsonRpcErrorObject) : undefined;
}

/** Whether an ethers `provider.send` rejection carries the node's JSON-RPC error answer (ethers keeps it in `info.error` or `error`). */
export function isNodeAnswer(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const answer = jsonRpcError((error as { info?: { error?: unknown } }).info?.error) ?? jsonRpcError((error as { error?: unknown }).error);
  return answer !== undefined && !PROVIDER_TROUBLE_CODES.has(answer.code);
}

/**
 * A short, client-safe name for why the node did not answer: ethers' messages can quote the request URL, and an
 * RPC URL often carries the provider's API key.
 */
export function failureKind(error: unknown): string {
  if (error instanceof RpcTimeout) return 'timeout';
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const answer = typeof error === 'object' && error !== null ? (jsonRpcError((error as { info?: { error?: unknown } }).info?.error) ?? jsonRpcError((error as { error?: unknown }).error)) : undefined;
  if (answer) return `provider error ${answer.code}`;
  const text = `${typeof code === 'string' ? code : ''} ${error instanceof Error ? error.message : ''}`;
  for (const known of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'TIMEOUT', 'SERVER_ERROR']) {
    if (text.includes(known)) return known === 'SERVER_ERROR' ? 'HTTP error' : known;
  }
  return 'unreachable';
}

export class RpcTimeout extends Error {
  readonly code = 'TIMEOUT';

  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'RpcTimeout';
  }
}

export async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new RpcTimeout(timeoutMs)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}
