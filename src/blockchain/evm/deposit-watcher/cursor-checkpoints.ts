/** A block the cursor stood on, with the hash it had then. */
export interface Checkpoint {
  blockNumber: bigint;
  blockHash: string;
}

/** How many past cursor positions are kept to walk back to: one per range read, so far more blocks than any reorg. */
export const CHECKPOINTS_KEPT = 128;

/** `checkpoints` (oldest first) with `next` appended, the oldest dropped beyond CHECKPOINTS_KEPT. */
export function withCheckpoint(checkpoints: Checkpoint[], next: Checkpoint): Checkpoint[] {
  const kept = checkpoints.filter((checkpoint) => checkpoint.blockNumber < next.blockNumber);
  return [...kept, next].slice(-CHECKPOINTS_KEPT);
}

/**
 * Where to read again from after the cursor's block was replaced: the newest checkpoint whose block still has the
 * hash it had (every block after it is re-read; logs already recorded dedupe), or undefined when none does (a
 * reorg deeper than every checkpoint: the caller starts over from its first block). `hashAt` answers the chain's
 * hash of a block now, undefined when the chain is shorter.
 */
export async function lastIntactCheckpoint(checkpoints: Checkpoint[], hashAt: (blockNumber: bigint) => Promise<string | undefined>): Promise<Checkpoint | undefined> {
  for (let i = checkpoints.length - 1; i >= 0; i--) {
    const checkpoint = checkpoints[i];
    if ((await hashAt(checkpoint.blockNumber)) === checkpoint.blockHash) return checkpoint;
  }
  return undefined;
}
