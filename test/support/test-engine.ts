/**
 * Perps' winding down (a catalogue symbol outside PERP_SYMBOLS with open positions keeps its shard and feed) is off:
 * in the shared test database every suite's leftover positions would start shards, fenced rows and feed subscriptions
 * in the next suites' apps. test/perps-delisted.e2e-spec.ts switches it on.
 */
const TEST_WIND_DOWN = { PERP_WIND_DOWN_ENABLED: 'false' };

/**
 * Venue engine settings for e2e apps and the servers e2e suites spawn (the engine stays on). All suites share one
 * Redis prefix and database, so the perps shards' leases outlive a suite whose server was SIGKILLed: a 2 s lease
 * (5 s in production) lets the next suite's app take them over within about 2.7 s, while still riding out an event
 * loop stalled for over a second on a busy CI machine (a lost lease answers in-flight commands 503). Suites that
 * test takeovers set shorter leases themselves.
 */
export const TEST_ENGINE: Record<string, string> = { ENGINE_LEASE_MS: '2000', ...TEST_WIND_DOWN };
