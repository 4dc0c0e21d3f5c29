import type { AppConfig } from '../config/app-config';
import type { AssetsService } from './assets.service';

/** Whether moving `amount` (minor units of `asset`, either sign) needs a second admin (ADMIN_APPROVAL_THRESHOLD, in the asset's units). */
export async function exceedsApprovalThreshold(assets: AssetsService, config: AppConfig, asset: string, amount: bigint): Promise<boolean> {
  const decimals = await assets.decimals(asset);
  const [whole, fraction = ''] = config.adminApprovalThreshold.split('.');
  // The threshold may have more decimals than the asset: what lies below its smallest unit is dropped.
  const threshold = BigInt(whole) * 10n ** BigInt(decimals) + BigInt((fraction + '0'.repeat(decimals)).slice(0, decimals) || '0');
  return (amount < 0n ? -amount : amount) > threshold;
}
