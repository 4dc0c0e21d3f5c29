import { EntryFunctionABI, parseTypeTag, ViewFunctionABI } from '@aptos-labs/ts-sdk';

/**
 * What the server calls and reads in the cash_markets Move package (contracts/aptos/sources), by the address it
 * was published at. The ABIs are written here rather than fetched from the node so a call costs no module
 * lookup; they must match the Move signatures (`aptos move test` and the fixture server check the shapes).
 */
export interface CashMarketsModule {
  address: string;
  drawFunction: `${string}::${string}::${string}`;
  drawnView: `${string}::${string}::${string}`;
  vaultConfigView: `${string}::${string}::${string}`;
  operatorView: `${string}::${string}::${string}`;
  depositedEvent: string;
  roundSaltDrawnEvent: string;
}

export function cashMarketsModule(address: string): CashMarketsModule {
  return {
    address,
    drawFunction: `${address}::round_salts::draw`,
    drawnView: `${address}::round_salts::drawn`,
    vaultConfigView: `${address}::vault::config`,
    operatorView: `${address}::roles::operator`,
    depositedEvent: `${address}::vault::Deposited`,
    roundSaltDrawnEvent: `${address}::round_salts::RoundSaltDrawn`,
  };
}

/** `entry fun draw(operator: &signer, round_id: u64)`. */
export const DRAW_ABI: EntryFunctionABI = { typeParameters: [], parameters: [parseTypeTag('u64')], signers: 1 };

/** `fun drawn(round_id: u64): (bool, u256, vector<u8>)`. */
export const DRAWN_ABI: ViewFunctionABI = { typeParameters: [], parameters: [parseTypeTag('u64')], returnTypes: [parseTypeTag('bool'), parseTypeTag('u256'), parseTypeTag('vector<u8>')] };

/** `fun config(): (address, address, bool)`: the vault's store, its asset's metadata object, paused. */
export const VAULT_CONFIG_ABI: ViewFunctionABI = { typeParameters: [], parameters: [], returnTypes: [parseTypeTag('address'), parseTypeTag('address'), parseTypeTag('bool')] };

/** `fun operator(): address`. */
export const OPERATOR_ABI: ViewFunctionABI = { typeParameters: [], parameters: [], returnTypes: [parseTypeTag('address')] };

/** Move's `error::already_exists(E_ALREADY_DRAWN)` in round_salts: the round was drawn before. */
export const ALREADY_DRAWN_ABORT = 'E_ALREADY_DRAWN';

export const U64_MAX = 2n ** 64n - 1n;
