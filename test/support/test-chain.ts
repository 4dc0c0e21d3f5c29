/**
 * No EVM chain in e2e apps and spawned servers unless a suite asks for one: with CHAIN=dev each would start or
 * share an anvil on 8545. Chain suites start their own node on a free port (support/dev-chain.ts) and pass
 * CHAIN=dev with its DEV_CHAIN_PORT.
 */
// Withdrawals to `dev` stay requestable (they wait PENDING with no chain to send them), as the ledger suites expect.
export const TEST_CHAIN: Record<string, string> = { CHAIN: 'off', WITHDRAWAL_CHAINS: 'dev' };
