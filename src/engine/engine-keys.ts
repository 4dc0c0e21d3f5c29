/** Redis names of the venue engine, all under REDIS_KEY_PREFIX. */
export const engineKeys = {
  leaderLease: (prefix: string, venue: string, shard: string) => `${prefix}:engine:${venue}:${shard}:leader`,
  commandStream: (prefix: string, venue: string, shard: string) => `${prefix}:engine:${venue}:${shard}:commands`,
  /** Held for a minute by the instance whose turn it is to prune engine_commands. */
  pruneTurn: (prefix: string) => `${prefix}:engine:prune-turn`,
  replyChannel: (prefix: string, instanceId: string) => `${prefix}:engine:replies:${instanceId}`,
};
