import { ApiProperty } from '@nestjs/swagger';

export class ChainTokenDto {
  @ApiProperty({ example: 'USDC' })
  symbol!: string;

  @ApiProperty({ example: 6 })
  decimals!: number;

  @ApiProperty({ example: '0x5FbDB2315678afecb367f032d93F642f64180aa3', description: 'ERC-20 contract (EVM) or fungible-asset metadata object (Aptos)', nullable: true, type: String })
  address!: string | null;
}

export class ChainDto {
  @ApiProperty({ example: 'dev', description: 'The name withdrawals and deposits use: dev, base, evm or aptos' })
  name!: string;

  @ApiProperty({ enum: ['evm', 'aptos'], example: 'evm' })
  kind!: 'evm' | 'aptos';

  @ApiProperty({ example: 31337, description: 'EVM chain id; the Aptos chain id for aptos', nullable: true, type: Number })
  chainId!: number | null;

  @ApiProperty({ example: 'local', description: 'Aptos network (mainnet, testnet, devnet, local, custom); null on EVM', nullable: true, type: String })
  network!: string | null;

  @ApiProperty({ example: 'http://127.0.0.1:8545', description: 'JSON-RPC URL of the development chain; null on real networks (use your own provider)', nullable: true, type: String })
  rpcUrl!: string | null;

  @ApiProperty({ example: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512', description: 'Where deposits go: the CashMarketsVault contract (EVM) or the Move package address (Aptos)' })
  vaultAddress!: string;

  @ApiProperty({ example: '0x9fE46736679d2D9a65F0992F18B3Dc5cc4A0F1f0', nullable: true, type: String, description: 'SeedCommitments contract, where seed chains and revealed seeds are recorded' })
  seedCommitmentsAddress!: string | null;

  @ApiProperty({ example: 2, description: 'Blocks after a deposit before it is credited (0 where the chain is final on commit)' })
  confirmations!: number;

  @ApiProperty({ type: ChainTokenDto })
  token!: ChainTokenDto;
}

export class ChainsDto {
  @ApiProperty({ type: [ChainDto] })
  chains!: ChainDto[];

  @ApiProperty({ example: 'evm-block', enum: ['evm-block', 'aptos', 'server'], description: 'Where new rounds take their salt from' })
  saltSource!: string;
}
