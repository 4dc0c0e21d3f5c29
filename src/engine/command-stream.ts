import type { CommandOutcome, EngineCommand } from './venue';

/**
 * What travels through Redis between a submitting instance and the shard's leader: a stream entry
 * per command (the command and the submitter's reply channel) and one reply message per batch and channel.
 */
export interface StreamedCommand {
  command: EngineCommand;
  replyTo: string;
}

export interface CommandReply {
  id: string;
  outcome: CommandOutcome;
}

export function encodeStreamEntry(command: EngineCommand, replyTo: string): string[] {
  return ['command', JSON.stringify(command), 'replyTo', replyTo];
}

/** Null for an entry this version cannot read (it is skipped, and its submitter times out). */
export function decodeStreamEntry(fields: readonly string[]): StreamedCommand | null {
  const values = new Map<string, string>();
  for (let index = 0; index + 1 < fields.length; index += 2) values.set(fields[index], fields[index + 1]);
  const replyTo = values.get('replyTo');
  const json = values.get('command');
  if (!replyTo || !json) return null;
  try {
    const command = JSON.parse(json) as Partial<EngineCommand> | null;
    if (!command || typeof command.id !== 'string' || typeof command.type !== 'string') return null;
    return { command: command as EngineCommand, replyTo };
  } catch {
    return null;
  }
}

export function encodeReplies(replies: CommandReply[]): string {
  return JSON.stringify(replies);
}

export function decodeReplies(message: string): CommandReply[] {
  try {
    const replies = JSON.parse(message) as unknown;
    return Array.isArray(replies) ? (replies as CommandReply[]).filter((reply) => typeof reply?.id === 'string' && typeof reply.outcome === 'object') : [];
  } catch {
    return [];
  }
}
