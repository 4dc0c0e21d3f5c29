// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Provably fair seed commitments
/// @notice The operator records each seed chain's terminal hash before the chain's first round, and later each
///         round's revealed seed, so both are public and timestamped by the chain, out of the server's reach.
contract SeedCommitments is Ownable {
    struct ChainCommitment {
        bytes32 terminalHash;
        uint64 chainLength;
        uint64 committedAt;
    }

    struct RevealedSeed {
        bytes32 chainId;
        bytes32 seed;
        uint64 revealedAt;
    }

    address public operator;
    mapping(bytes32 chainId => ChainCommitment) public chains;
    mapping(bytes32 roundId => RevealedSeed) public reveals;

    event ChainCommitted(bytes32 indexed chainId, bytes32 terminalHash, uint64 chainLength);
    event SeedRevealed(bytes32 indexed chainId, bytes32 indexed roundId, bytes32 seed);
    event OperatorChanged(address indexed previousOperator, address indexed newOperator);

    error NotOperator(address caller);
    error AlreadyCommitted(bytes32 chainId);
    error UnknownChain(bytes32 chainId);
    error LengthMismatch();
    error ZeroAddress();

    modifier onlyOperator() {
        if (msg.sender != operator) revert NotOperator(msg.sender);
        _;
    }

    constructor(address operator_, address owner_) Ownable(owner_) {
        if (operator_ == address(0)) revert ZeroAddress();
        operator = operator_;
        emit OperatorChanged(address(0), operator_);
    }

    /// @notice Records a seed chain's terminal hash; once only per chain.
    function commitChain(bytes32 chainId, bytes32 terminalHash, uint64 chainLength) external onlyOperator {
        if (chains[chainId].committedAt != 0) revert AlreadyCommitted(chainId);
        chains[chainId] = ChainCommitment(terminalHash, chainLength, uint64(block.timestamp));
        emit ChainCommitted(chainId, terminalHash, chainLength);
    }

    /// @notice Records revealed round seeds in one transaction; a round already recorded is skipped, not reverted,
    ///         so a batch retried after a partial failure elsewhere still goes through.
    function revealSeeds(bytes32 chainId, bytes32[] calldata roundIds, bytes32[] calldata seeds) external onlyOperator {
        if (roundIds.length != seeds.length) revert LengthMismatch();
        if (chains[chainId].committedAt == 0) revert UnknownChain(chainId);
        for (uint256 i = 0; i < roundIds.length; i++) {
            if (reveals[roundIds[i]].revealedAt != 0) continue;
            reveals[roundIds[i]] = RevealedSeed(chainId, seeds[i], uint64(block.timestamp));
            emit SeedRevealed(chainId, roundIds[i], seeds[i]);
        }
    }

    function setOperator(address newOperator) external onlyOwner {
        if (newOperator == address(0)) revert ZeroAddress();
        emit OperatorChanged(operator, newOperator);
        operator = newOperator;
    }
}
