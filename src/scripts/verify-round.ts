import { verifyRound } from '../rounds/fairness/round-verifier';

/**
 * `npm run verify-round -- <roundId> [--url http://host:port]`: fetches the round's `/verify` data,
 * recomputes it from scratch (cm-v1, docs/provably-fair.md) and prints "verified" (exit 0) or the
 * first difference (exit 1). Exit 2: bad arguments or the round could not be fetched.
 * Without --url it asks the server the environment describes: PUBLIC_URL, else http://localhost:$PORT.
 */

export const DEFAULT_URL = 'http://localhost:3000';
export const USAGE = 'usage: npm run verify-round -- <roundId> [--url http://host:port]';

export type VerifyRoundEnv = Readonly<Record<string, string | undefined>>;

/** Where the server of this environment listens, as the server itself defaults PUBLIC_URL. */
export function defaultServerUrl(env: VerifyRoundEnv): { url: string; source: string } {
  const publicUrl = env.PUBLIC_URL?.trim();
  if (publicUrl) return { url: publicUrl, source: 'PUBLIC_URL' };
  const port = env.PORT?.trim();
  if (port) return { url: `http://localhost:${port}`, source: 'PORT' };
  return { url: DEFAULT_URL, source: '--url' };
}

export interface VerifyRoundIo {
  fetch: (url: string) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;
  out: (line: string) => void;
  err: (line: string) => void;
}

export function parseVerifyRoundArgs(
  args: readonly string[],
  env: VerifyRoundEnv = {},
): { roundId: string; url: string } | { error: string } {
  let { url, source } = defaultServerUrl(env);
  const positional: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '--url') {
      const value = args[index + 1];
      if (value === undefined) return { error: '--url needs a value' };
      url = value;
      source = '--url';
      index += 1;
    } else if (arg.startsWith('--url=')) {
      url = arg.slice('--url='.length);
      source = '--url';
    } else if (arg.startsWith('-')) {
      return { error: `unknown option ${arg}` };
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) return { error: 'give exactly one round id' };
  if (!/^https?:\/\/[^/]+/.test(url)) return { error: `${source} must be http(s)://host[:port], got ${url}` };
  return { roundId: positional[0], url: url.replace(/\/+$/, '') };
}

export function verifyUrl(baseUrl: string, roundId: string): string {
  return `${baseUrl}/api/v1/rounds/${encodeURIComponent(roundId)}/verify`;
}

/** fetch() says only "fetch failed"; the reason (ECONNREFUSED, a DNS error, ...) is in its cause. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

export async function runVerifyRound(
  args: readonly string[],
  io: VerifyRoundIo,
  env: VerifyRoundEnv = {},
): Promise<number> {
  const parsed = parseVerifyRoundArgs(args, env);
  if ('error' in parsed) {
    io.err(parsed.error);
    io.err(USAGE);
    return 2;
  }
  const url = verifyUrl(parsed.url, parsed.roundId);
  let body: unknown;
  try {
    const response = await io.fetch(url);
    if (!response.ok) {
      io.err(`GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
      return 2;
    }
    body = await response.json();
  } catch (error) {
    io.err(`GET ${url} failed: ${describeFailure(error)}`);
    return 2;
  }

  const outcome = verifyRound(body);
  if (!outcome.ok) {
    const { field, expected, actual, message } = outcome.difference;
    io.err(`NOT verified: ${field || 'response'}: expected ${expected}, got ${actual} (${message})`);
    for (const warning of outcome.warnings) io.err(`warning: ${warning}`);
    return 1;
  }
  io.out('verified');
  const end = outcome.rugTick === null ? 'no rug, ended at maxTicks' : `rugged at tick ${outcome.rugTick}`;
  io.out(`round ${parsed.roundId}: ${outcome.candles} candles recomputed, ${end}`);
  for (const warning of outcome.warnings) io.out(`warning: ${warning}`);
  return 0;
}

if (require.main === module) {
  runVerifyRound(
    process.argv.slice(2),
    {
      fetch: (url) => fetch(url, { headers: { accept: 'application/json' } }),
      out: (line) => console.log(line),
      err: (line) => console.error(line),
    },
    process.env,
  )
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 2;
    });
}
