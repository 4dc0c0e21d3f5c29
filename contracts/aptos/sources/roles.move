/// Who may do what in the cash_markets package: the owner (pauses the vault, names the operator) and the
/// operator (the server's hot key: pays withdrawals, draws round salts). Both start as the publishing account.
module cash_markets::roles {
    use std::error;
    use std::signer;
    use aptos_framework::event;

    friend cash_markets::vault;
    friend cash_markets::round_salts;

    /// The caller is not the owner.
    const E_NOT_OWNER: u64 = 1;
    /// The caller is not the operator.
    const E_NOT_OPERATOR: u64 = 2;
    /// The zero address cannot hold a role.
    const E_ZERO_ADDRESS: u64 = 3;

    struct Roles has key {
        owner: address,
        operator: address,
    }

    #[event]
    struct OperatorChanged has drop, store {
        previous: address,
        operator: address,
    }

    #[event]
    struct OwnershipTransferred has drop, store {
        previous: address,
        owner: address,
    }

    fun init_module(publisher: &signer) {
        let publisher_address = signer::address_of(publisher);
        move_to(publisher, Roles { owner: publisher_address, operator: publisher_address });
    }

    public entry fun set_operator(owner: &signer, operator: address) acquires Roles {
        assert_owner(owner);
        assert!(operator != @0x0, error::invalid_argument(E_ZERO_ADDRESS));
        let roles = borrow_global_mut<Roles>(@cash_markets);
        event::emit(OperatorChanged { previous: roles.operator, operator });
        roles.operator = operator;
    }

    public entry fun transfer_ownership(owner: &signer, new_owner: address) acquires Roles {
        assert_owner(owner);
        assert!(new_owner != @0x0, error::invalid_argument(E_ZERO_ADDRESS));
        let roles = borrow_global_mut<Roles>(@cash_markets);
        event::emit(OwnershipTransferred { previous: roles.owner, owner: new_owner });
        roles.owner = new_owner;
    }

    #[view]
    public fun owner(): address acquires Roles {
        borrow_global<Roles>(@cash_markets).owner
    }

    #[view]
    public fun operator(): address acquires Roles {
        borrow_global<Roles>(@cash_markets).operator
    }

    public(friend) fun assert_owner(account: &signer) acquires Roles {
        assert!(signer::address_of(account) == borrow_global<Roles>(@cash_markets).owner, error::permission_denied(E_NOT_OWNER));
    }

    public(friend) fun assert_operator(account: &signer) acquires Roles {
        assert!(signer::address_of(account) == borrow_global<Roles>(@cash_markets).operator, error::permission_denied(E_NOT_OPERATOR));
    }

    #[test_only]
    /// Unit tests publish nothing, so they run what publishing would.
    public fun init_for_test(publisher: &signer) {
        init_module(publisher);
    }

    #[test(publisher = @cash_markets, operator = @0xb0b)]
    fun the_owner_names_the_operator(publisher: &signer, operator: &signer) acquires Roles {
        init_for_test(publisher);
        assert!(owner() == @cash_markets && operator() == @cash_markets, 0);
        set_operator(publisher, @0xb0b);
        assert_operator(operator);
        assert!(event::was_event_emitted(&OperatorChanged { previous: @cash_markets, operator: @0xb0b }), 1);
    }

    #[test(publisher = @cash_markets, stranger = @0xbad)]
    #[expected_failure(abort_code = 0x50001, location = Self)]
    fun only_the_owner_names_the_operator(publisher: &signer, stranger: &signer) acquires Roles {
        init_for_test(publisher);
        set_operator(stranger, @0xbad);
    }

    #[test(publisher = @cash_markets, new_owner = @0xa11ce)]
    #[expected_failure(abort_code = 0x50001, location = Self)]
    fun ownership_moves_entirely(publisher: &signer, new_owner: &signer) acquires Roles {
        init_for_test(publisher);
        transfer_ownership(publisher, @0xa11ce);
        assert_owner(new_owner);
        // The previous owner has no rights left.
        set_operator(publisher, @0xb0b);
    }
}
