/// Round salts from Aptos on-chain randomness (AIP-41): the operator draws one u256 per round id, once. The
/// round's seed is HMAC-SHA256(server seed, salt); the server committed to its seed chain before the draw, and
/// nobody (the operator included) can see or choose the salt before the draw's transaction commits, nor draw again.
module cash_markets::round_salts {
    use std::error;
    use aptos_std::table::{Self, Table};
    use aptos_framework::event;
    use aptos_framework::randomness;
    use aptos_framework::transaction_context;
    use cash_markets::roles;

    /// This round's salt was drawn already.
    const E_ALREADY_DRAWN: u64 = 1;

    struct Draw has copy, drop, store {
        salt: u256,
        /// The drawing transaction, so anyone can find its `RoundSaltDrawn` event from the round id alone.
        txn_hash: vector<u8>,
    }

    struct Draws has key {
        by_round: Table<u64, Draw>,
    }

    #[event]
    struct RoundSaltDrawn has drop, store {
        round_id: u64,
        salt: u256,
    }

    fun init_module(publisher: &signer) {
        move_to(publisher, Draws { by_round: table::new() });
    }

    #[randomness]
    /// Private `entry` as randomness requires: no other module or script can call it, so none can look at the
    /// salt and abort to try again. Every check comes before the draw, and the path after it costs the same
    /// gas whatever the salt is, so running out of gas cannot be used to reject a salt either.
    entry fun draw(operator: &signer, round_id: u64) acquires Draws {
        roles::assert_operator(operator);
        let draws = borrow_global_mut<Draws>(@cash_markets);
        assert!(!table::contains(&draws.by_round, round_id), error::already_exists(E_ALREADY_DRAWN));
        let salt = randomness::u256_integer();
        table::add(&mut draws.by_round, round_id, Draw { salt, txn_hash: transaction_context::get_transaction_hash() });
        event::emit(RoundSaltDrawn { round_id, salt });
    }

    #[view]
    /// (drawn, salt, hash of the drawing transaction); (false, 0, empty) before the draw.
    public fun drawn(round_id: u64): (bool, u256, vector<u8>) acquires Draws {
        let draws = borrow_global<Draws>(@cash_markets);
        if (!table::contains(&draws.by_round, round_id)) return (false, 0, vector[]);
        let draw = *table::borrow(&draws.by_round, round_id);
        (true, draw.salt, draw.txn_hash)
    }

    #[test_only]
    use std::vector;

    #[test_only]
    fun set_up(framework: &signer, publisher: &signer) {
        randomness::initialize_for_testing(framework);
        roles::init_for_test(publisher);
        roles::set_operator(publisher, @0xb0b);
        init_module(publisher);
    }

    #[test(framework = @aptos_framework, publisher = @cash_markets, operator = @0xb0b)]
    fun draws_a_salt_and_records_it(framework: &signer, publisher: &signer, operator: &signer) acquires Draws {
        set_up(framework, publisher);
        let (before, _, _) = drawn(7);
        assert!(!before, 0);
        draw(operator, 7);
        let (after, salt, txn_hash) = drawn(7);
        assert!(after, 1);
        // Unit tests run in one made-up transaction (its hash is a placeholder); on chain it is the drawing one.
        assert!(txn_hash == transaction_context::get_transaction_hash(), 2);
        assert!(vector::length(&event::emitted_events<RoundSaltDrawn>()) == 1, 3);
        assert!(event::was_event_emitted(&RoundSaltDrawn { round_id: 7, salt }), 4);
    }

    #[test(framework = @aptos_framework, publisher = @cash_markets, operator = @0xb0b)]
    fun each_round_gets_its_own_draw(framework: &signer, publisher: &signer, operator: &signer) acquires Draws {
        set_up(framework, publisher);
        draw(operator, 1);
        draw(operator, 2);
        let (_, first, _) = drawn(1);
        let (_, second, _) = drawn(2);
        assert!(first != second, 0);
        assert!(vector::length(&event::emitted_events<RoundSaltDrawn>()) == 2, 1);
    }

    #[test(framework = @aptos_framework, publisher = @cash_markets, operator = @0xb0b)]
    #[expected_failure(abort_code = 0x80001, location = Self)]
    fun a_second_draw_for_a_round_aborts(framework: &signer, publisher: &signer, operator: &signer) acquires Draws {
        set_up(framework, publisher);
        draw(operator, 7);
        draw(operator, 7);
    }

    #[test(framework = @aptos_framework, publisher = @cash_markets, stranger = @0xbad)]
    #[expected_failure(abort_code = 0x50002, location = cash_markets::roles)]
    fun only_the_operator_draws(framework: &signer, publisher: &signer, stranger: &signer) acquires Draws {
        set_up(framework, publisher);
        draw(stranger, 7);
    }
}
