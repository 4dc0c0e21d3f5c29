#[test_only]
module cash_markets::vault_tests {
    use std::option;
    use std::string;
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, Metadata, MintRef};
    use aptos_framework::object::{Self, Object};
    use aptos_framework::primary_fungible_store;
    use cash_markets::roles;
    use cash_markets::vault;

    const USER: address = @0xa11ce;
    const OPERATOR: address = @0xb0b;
    const PAYEE: address = @0xd00d;
    const WITHDRAWAL_ID: vector<u8> = x"00000000000000000000000000000000000000000000000000000000000000aa";

    /// A 6-decimal test USDC, the package published and initialized, OPERATOR named, USER holding 100 USDC.
    fun set_up(publisher: &signer, issuer: &signer): (Object<Metadata>, MintRef) {
        let constructor_ref = object::create_named_object(issuer, b"USDC");
        primary_fungible_store::create_primary_store_enabled_fungible_asset(
            &constructor_ref,
            option::none(),
            string::utf8(b"USD Coin"),
            string::utf8(b"USDC"),
            6,
            string::utf8(b""),
            string::utf8(b""),
        );
        let metadata = object::object_from_constructor_ref<Metadata>(&constructor_ref);
        let mint_ref = fungible_asset::generate_mint_ref(&constructor_ref);
        primary_fungible_store::mint(&mint_ref, USER, 100_000_000);
        roles::init_for_test(publisher);
        roles::set_operator(publisher, OPERATOR);
        vault::initialize(publisher, metadata);
        (metadata, mint_ref)
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, user = @0xa11ce)]
    fun a_deposit_moves_the_asset_into_the_vault(publisher: &signer, issuer: &signer, user: &signer) {
        let (metadata, _) = set_up(publisher, issuer);
        vault::deposit(user, 30_000_000);
        assert!(primary_fungible_store::balance(USER, metadata) == 70_000_000, 0);
        assert!(vault::balance() == 30_000_000, 1);
        let store = object::address_to_object<fungible_asset::FungibleStore>(vault::store_address_for_test());
        assert!(fungible_asset::balance(store) == 30_000_000, 2);
        assert!(event::was_event_emitted(&vault::deposited_event(USER, 30_000_000)), 3);
        let (store_address, token, paused) = vault::config();
        assert!(store_address == vault::store_address_for_test() && token == object::object_address(&metadata) && !paused, 4);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, user = @0xa11ce)]
    #[expected_failure(abort_code = 0x10006, location = cash_markets::vault)]
    fun a_zero_deposit_aborts(publisher: &signer, issuer: &signer, user: &signer) {
        let (_, _) = set_up(publisher, issuer);
        vault::deposit(user, 0);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, user = @0xa11ce)]
    #[expected_failure]
    fun a_deposit_above_the_balance_aborts(publisher: &signer, issuer: &signer, user: &signer) {
        let (_, _) = set_up(publisher, issuer);
        vault::deposit(user, 100_000_001);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, user = @0xa11ce, operator = @0xb0b)]
    fun the_operator_pays_a_withdrawal(publisher: &signer, issuer: &signer, user: &signer, operator: &signer) {
        let (metadata, _) = set_up(publisher, issuer);
        vault::deposit(user, 30_000_000);
        assert!(!vault::is_withdrawn(WITHDRAWAL_ID), 0);
        vault::withdraw(operator, WITHDRAWAL_ID, PAYEE, 12_500_000);
        assert!(primary_fungible_store::balance(PAYEE, metadata) == 12_500_000, 1);
        assert!(vault::balance() == 17_500_000, 2);
        assert!(vault::is_withdrawn(WITHDRAWAL_ID), 3);
        assert!(event::was_event_emitted(&vault::withdrawn_event(WITHDRAWAL_ID, PAYEE, 12_500_000)), 4);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, user = @0xa11ce, operator = @0xb0b)]
    #[expected_failure(abort_code = 0x80007, location = cash_markets::vault)]
    fun a_withdrawal_id_pays_once(publisher: &signer, issuer: &signer, user: &signer, operator: &signer) {
        let (_, _) = set_up(publisher, issuer);
        vault::deposit(user, 30_000_000);
        vault::withdraw(operator, WITHDRAWAL_ID, PAYEE, 1_000_000);
        vault::withdraw(operator, WITHDRAWAL_ID, PAYEE, 1_000_000);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, user = @0xa11ce)]
    #[expected_failure(abort_code = 0x50002, location = cash_markets::roles)]
    fun only_the_operator_withdraws(publisher: &signer, issuer: &signer, user: &signer) {
        let (_, _) = set_up(publisher, issuer);
        vault::deposit(user, 30_000_000);
        vault::withdraw(user, WITHDRAWAL_ID, USER, 30_000_000);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, user = @0xa11ce, operator = @0xb0b)]
    #[expected_failure(abort_code = 0x10008, location = cash_markets::vault)]
    fun a_withdrawal_id_is_32_bytes(publisher: &signer, issuer: &signer, user: &signer, operator: &signer) {
        let (_, _) = set_up(publisher, issuer);
        vault::deposit(user, 30_000_000);
        vault::withdraw(operator, x"aa", PAYEE, 1_000_000);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, user = @0xa11ce)]
    #[expected_failure(abort_code = 0x30004, location = cash_markets::vault)]
    fun a_paused_vault_takes_no_deposit(publisher: &signer, issuer: &signer, user: &signer) {
        let (_, _) = set_up(publisher, issuer);
        vault::pause(publisher);
        vault::deposit(user, 1_000_000);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, user = @0xa11ce, operator = @0xb0b)]
    #[expected_failure(abort_code = 0x30004, location = cash_markets::vault)]
    fun a_paused_vault_pays_no_withdrawal(publisher: &signer, issuer: &signer, user: &signer, operator: &signer) {
        let (_, _) = set_up(publisher, issuer);
        vault::deposit(user, 1_000_000);
        vault::pause(publisher);
        vault::withdraw(operator, WITHDRAWAL_ID, PAYEE, 1_000_000);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, user = @0xa11ce)]
    fun unpausing_resumes_deposits(publisher: &signer, issuer: &signer, user: &signer) {
        let (_, _) = set_up(publisher, issuer);
        vault::pause(publisher);
        vault::unpause(publisher);
        vault::deposit(user, 1_000_000);
        assert!(vault::balance() == 1_000_000, 0);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e, operator = @0xb0b)]
    #[expected_failure(abort_code = 0x50001, location = cash_markets::roles)]
    fun only_the_owner_pauses(publisher: &signer, issuer: &signer, operator: &signer) {
        let (_, _) = set_up(publisher, issuer);
        vault::pause(operator);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e)]
    #[expected_failure(abort_code = 0x80002, location = cash_markets::vault)]
    fun the_vault_is_initialized_once(publisher: &signer, issuer: &signer) {
        let (metadata, _) = set_up(publisher, issuer);
        vault::initialize(publisher, metadata);
    }

    #[test(publisher = @cash_markets, issuer = @0x1550e)]
    #[expected_failure(abort_code = 0x50001, location = cash_markets::vault)]
    fun only_the_publisher_initializes(publisher: &signer, issuer: &signer) {
        let constructor_ref = object::create_named_object(issuer, b"USDC");
        primary_fungible_store::create_primary_store_enabled_fungible_asset(
            &constructor_ref, option::none(), string::utf8(b"USD Coin"), string::utf8(b"USDC"), 6, string::utf8(b""), string::utf8(b""),
        );
        roles::init_for_test(publisher);
        vault::initialize(issuer, object::object_from_constructor_ref<Metadata>(&constructor_ref));
    }
}
