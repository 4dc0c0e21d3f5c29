import type { AppConfig } from '../config/app-config';
import { exceedsApprovalThreshold } from './approval-threshold';
import type { AssetsService } from './assets.service';

describe('exceedsApprovalThreshold', () => {
  const assets = (decimals: number) => ({ decimals: () => Promise.resolve(decimals) }) as unknown as AssetsService;
  const config = (threshold: string) => ({ adminApprovalThreshold: threshold }) as AppConfig;

  it('compares the absolute amount with the threshold in the asset’s units (strictly above)', async () => {
    expect(await exceedsApprovalThreshold(assets(6), config('10000'), 'USDC', 10_000_000_000n)).toBe(false);
    expect(await exceedsApprovalThreshold(assets(6), config('10000'), 'USDC', 10_000_000_001n)).toBe(true);
    expect(await exceedsApprovalThreshold(assets(6), config('10000'), 'USDC', -10_000_000_001n)).toBe(true);
    expect(await exceedsApprovalThreshold(assets(6), config('0.5'), 'USDC', 500_001n)).toBe(true);
  });

  it('drops threshold digits below the asset’s smallest unit, and a zero threshold approves everything twice', async () => {
    expect(await exceedsApprovalThreshold(assets(2), config('1.239'), 'EUR', 123n)).toBe(false);
    expect(await exceedsApprovalThreshold(assets(2), config('1.239'), 'EUR', 124n)).toBe(true);
    expect(await exceedsApprovalThreshold(assets(6), config('0'), 'USDC', 1n)).toBe(true);
  });
});
