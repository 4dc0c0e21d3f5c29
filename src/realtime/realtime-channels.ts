import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import { CHANNEL_ERRORS, ChannelKind, ChannelOf, ChannelRef, ChannelRefusal } from './channels';

/**
 * Decides whether a parsed channel exists: resolves when it does, throws a 404 domain error
 * (`NotFound`, `RoundNotFound`, …) whose message says why when it does not.
 */
export type ChannelValidator<K extends ChannelKind = ChannelKind> = (channel: ChannelOf<K>) => Promise<void> | void;

export type ChannelAdmission = { ok: true } | ChannelRefusal;

/**
 * The channel kinds a client may subscribe to right now. A venue module registers each kind it
 * publishes with a validator, in `onModuleInit` (`channels.register('market', (c) => markets.assertExists(c.marketId))`);
 * a kind nobody registered (a venue not built yet) is refused with a reason instead of acknowledged
 * with a snapshot that never fills.
 */
@Injectable()
export class RealtimeChannels {
  private readonly validators = new Map<ChannelKind, ChannelValidator>();

  register<K extends ChannelKind>(kind: K, validator: ChannelValidator<K>): void {
    if (this.validators.has(kind)) throw new Error(`"${kind}" channels are already registered`);
    this.validators.set(kind, validator as unknown as ChannelValidator);
  }

  /** Refuses unregistered kinds and channels their venue does not know; other failures are thrown. */
  async admit(channel: ChannelRef): Promise<ChannelAdmission> {
    const validator = this.validators.get(channel.kind);
    if (!validator) return { ok: false, error: CHANNEL_ERRORS.unknown, message: `nothing publishes ${channel.kind} channels yet` };
    try {
      await validator(channel);
      return { ok: true };
    } catch (error) {
      if (isNotFound(error)) return { ok: false, error: CHANNEL_ERRORS.unknown, message: error.message };
      throw error;
    }
  }
}

export function isNotFound(error: unknown): error is DomainError {
  return error instanceof DomainError && error.status === 404;
}
