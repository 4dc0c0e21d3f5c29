/// Holds the platform's USDC (a fungible asset) on Aptos, like CashMarketsVault on EVM chains. Users deposit into
/// it and the server credits them off chain from the `Deposited` event; the operator pays withdrawals out of it,
/// each `withdrawal_id` at most once. The owner can pause both. Balances in between live in the server's ledger.
module cash_markets::vault {
    use std::error;
    use std::signer;
    use std::vector;
    use aptos_std::table::{Self, Table};
    use aptos_framework::dispatchable_fungible_asset;
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, FungibleStore, Metadata};
    use aptos_framework::object::{Self, ExtendRef, Object};
    use aptos_framework::primary_fungible_store;
    use cash_markets::roles;

    /// Only the publishing account initializes the vault, once.
    const E_NOT_PUBLISHER: u64 = 1;
    const E_ALREADY_INITIALIZED: u64 = 2;
    const E_NOT_INITIALIZED: u64 = 3;
    /// Deposits and withdrawals are paused.
    const E_PAUSED: u64 = 4;
    const E_NOT_PAUSED: u64 = 5;
    const E_ZERO_AMOUNT: u64 = 6;
    /// This withdrawal id was paid already.
    const E_ALREADY_WITHDRAWN: u64 = 7;
    /// Withdrawal ids are 32 bytes, like the EVM vault's bytes32.
    const E_BAD_WITHDRAWAL_ID: u64 = 8;
    const E_ZERO_ADDRESS: u64 = 9;

    /// The store's object is named from the publisher and this seed, so its address is known before it exists.
    const STORE_SEED: vector<u8> = b"cash_markets::vault::store";

    struct Vault has key {
        /// The allow-listed asset (USDC's metadata object): the only one deposit takes and withdraw pays.
        metadata: Object<Metadata>,
        store: Object<FungibleStore>,
        /// Signs for the store (its own address owns it), so only this module's `withdraw` moves funds out.
        store_extend_ref: ExtendRef,
        paused: bool,
        withdrawn: Table<vector<u8>, bool>,
    }

    #[event]
    struct Deposited has drop, store {
        account: address,
        amount: u64,
    }

    #[event]
    struct Withdrawn has drop, store {
        withdrawal_id: vector<u8>,
        to: address,
        amount: u64,
    }

    #[event]
    struct PauseChanged has drop, store {
        paused: bool,
    }

    /// Run by the publishing account right after publishing, naming the asset the vault holds.
    public entry fun initialize(publisher: &signer, metadata: Object<Metadata>) {
        assert!(signer::address_of(publisher) == @cash_markets, error::permission_denied(E_NOT_PUBLISHER));
        assert!(!exists<Vault>(@cash_markets), error::already_exists(E_ALREADY_INITIALIZED));
        let constructor_ref = object::create_named_object(publisher, STORE_SEED);
        // Nobody moves the store object away from the package; funds leave only through `withdraw`.
        object::disable_ungated_transfer(&object::generate_transfer_ref(&constructor_ref));
        let store = fungible_asset::create_store(&constructor_ref, metadata);
        move_to(publisher, Vault {
            metadata,
            store,
            store_extend_ref: object::generate_extend_ref(&constructor_ref),
            paused: false,
            withdrawn: table::new(),
        });
    }

    /// Moves `amount` of the vault's asset from the caller's primary store into the vault and tells the server.
    public entry fun deposit(user: &signer, amount: u64) acquires Vault {
        assert!(amount > 0, error::invalid_argument(E_ZERO_AMOUNT));
        let vault = borrow_vault();
        assert!(!vault.paused, error::invalid_state(E_PAUSED));
        let fa = primary_fungible_store::withdraw(user, vault.metadata, amount);
        // The dispatchable API honours the asset's own deposit/withdraw hooks (Circle's USDC has them).
        dispatchable_fungible_asset::deposit(vault.store, fa);
        event::emit(Deposited { account: signer::address_of(user), amount });
    }

    /// Pays a withdrawal the server approved into `to`'s primary store; a second call with the same id aborts.
    public entry fun withdraw(operator: &signer, withdrawal_id: vector<u8>, to: address, amount: u64) acquires Vault {
        roles::assert_operator(operator);
        assert!(vector::length(&withdrawal_id) == 32, error::invalid_argument(E_BAD_WITHDRAWAL_ID));
        assert!(amount > 0, error::invalid_argument(E_ZERO_AMOUNT));
        assert!(to != @0x0, error::invalid_argument(E_ZERO_ADDRESS));
        assert!(exists<Vault>(@cash_markets), error::not_found(E_NOT_INITIALIZED));
        let vault = borrow_global_mut<Vault>(@cash_markets);
        assert!(!vault.paused, error::invalid_state(E_PAUSED));
        assert!(!table::contains(&vault.withdrawn, withdrawal_id), error::already_exists(E_ALREADY_WITHDRAWN));
        table::add(&mut vault.withdrawn, copy withdrawal_id, true);
        let store_signer = object::generate_signer_for_extending(&vault.store_extend_ref);
        let fa = dispatchable_fungible_asset::withdraw(&store_signer, vault.store, amount);
        primary_fungible_store::deposit(to, fa);
        event::emit(Withdrawn { withdrawal_id, to, amount });
    }

    public entry fun pause(owner: &signer) acquires Vault {
        set_paused(owner, true);
    }

    public entry fun unpause(owner: &signer) acquires Vault {
        set_paused(owner, false);
    }

    fun set_paused(owner: &signer, paused: bool) acquires Vault {
        roles::assert_owner(owner);
        assert!(exists<Vault>(@cash_markets), error::not_found(E_NOT_INITIALIZED));
        let vault = borrow_global_mut<Vault>(@cash_markets);
        assert!(vault.paused != paused, error::invalid_state(if (paused) E_PAUSED else E_NOT_PAUSED));
        vault.paused = paused;
        event::emit(PauseChanged { paused });
    }

    #[view]
    /// (the store's address, the asset's metadata address, paused): what the server reads at startup.
    public fun config(): (address, address, bool) acquires Vault {
        let vault = borrow_vault();
        (object::object_address(&vault.store), object::object_address(&vault.metadata), vault.paused)
    }

    #[view]
    public fun balance(): u64 acquires Vault {
        dispatchable_fungible_asset::derived_balance(borrow_vault().store)
    }

    #[view]
    public fun is_withdrawn(withdrawal_id: vector<u8>): bool acquires Vault {
        table::contains(&borrow_vault().withdrawn, withdrawal_id)
    }

    fun borrow_vault(): &Vault acquires Vault {
        assert!(exists<Vault>(@cash_markets), error::not_found(E_NOT_INITIALIZED));
        borrow_global<Vault>(@cash_markets)
    }

    #[test_only]
    /// Events are packed only in their module: tests build the expected ones here.
    public fun deposited_event(account: address, amount: u64): Deposited {
        Deposited { account, amount }
    }

    #[test_only]
    public fun withdrawn_event(withdrawal_id: vector<u8>, to: address, amount: u64): Withdrawn {
        Withdrawn { withdrawal_id, to, amount }
    }

    #[test_only]
    /// The store's address as `initialize` creates it, for tests that check where funds went.
    public fun store_address_for_test(): address {
        object::create_object_address(&@cash_markets, STORE_SEED)
    }
}
