import { Injectable } from '@nestjs/common';
import type { Server } from 'socket.io';

/**
 * The Socket.IO server, handed over by the gateway once Nest has created it, so the publisher
 * and the connection policy can reach it without being gateways themselves.
 */
@Injectable()
export class RealtimeServer {
  private server?: Server;
  private shutDown = false;

  attach(server: Server): void {
    if (!this.shutDown) this.server = server;
  }

  /**
   * Called by the adapter as the server starts closing, before its Redis clients quit: from then on
   * `io` is undefined, so a broadcast from work still finishing is dropped instead of failing.
   */
  detach(): void {
    this.shutDown = true;
    this.server = undefined;
  }

  /** True once shutdown closed (or is closing) the Socket.IO server. */
  get closed(): boolean {
    return this.shutDown;
  }

  /** Undefined before the gateway initialises (scripts that build the app without serving it) and once shutdown began. */
  get io(): Server | undefined {
    return this.server;
  }
}
