import { Injectable } from '@nestjs/common';
import type { Server } from 'socket.io';

/**
 * The Socket.IO server, handed over by the gateway once Nest has created it, so the publisher
 * and the connection policy can reach it without being gateways themselves.
 */
@Injectable()
export class RealtimeServer {
  private server?: Server;

  attach(server: Server): void {
    this.server = server;
  }

  /** Undefined before the gateway initialises (scripts that build the app without serving it). */
  get io(): Server | undefined {
    return this.server;
  }
}
