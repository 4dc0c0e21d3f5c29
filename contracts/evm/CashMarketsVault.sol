// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title Cash Markets vault
/// @notice Holds the platform's USDC. Users deposit into it; the server's operator key pays withdrawals out of it,
///         each `withdrawalId` at most once. Balances in between live in the server's ledger.
contract CashMarketsVault is Ownable, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice The allow-listed token: the only one `deposit` pulls and `withdraw` pays.
    IERC20 public immutable token;
    address public operator;
    mapping(bytes32 withdrawalId => bool) public withdrawn;

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(bytes32 indexed withdrawalId, address indexed to, uint256 amount);
    event OperatorChanged(address indexed previousOperator, address indexed newOperator);

    error NotOperator(address caller);
    error AlreadyWithdrawn(bytes32 withdrawalId);
    error ZeroAmount();
    error ZeroAddress();

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        _;
    }

    constructor(IERC20 token_, address operator_, address owner_) Ownable(owner_) {
        if (address(token_) == address(0) || operator_ == address(0)) revert ZeroAddress();
        token = token_;
        operator = operator_;
        emit OperatorChanged(address(0), operator_);
    }

    /// @notice Pulls `amount` of the token from the caller (after its `approve`) and credits it to the caller off chain.
    function deposit(uint256 amount) external whenNotPaused nonReentrant {
        if (amount == 0) revert ZeroAmount();
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, amount);
    }

    /// @notice Pays a withdrawal the server approved; a second call with the same id reverts.
    function withdraw(bytes32 withdrawalId, address to, uint256 amount) external onlyOperator whenNotPaused nonReentrant {
        if (withdrawn[withdrawalId]) revert AlreadyWithdrawn(withdrawalId);
        if (amount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress();
        withdrawn[withdrawalId] = true;
        token.safeTransfer(to, amount);
        emit Withdrawn(withdrawalId, to, amount);
    }

    function setOperator(address newOperator) external onlyOwner {
        if (newOperator == address(0)) revert ZeroAddress();
        emit OperatorChanged(operator, newOperator);
        operator = newOperator;
    }

    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }
}
