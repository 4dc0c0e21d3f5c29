import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { RealtimeConnections } from './realtime-connections';
import { RealtimeServer } from './realtime-server';
import { RealtimeSubscriptions, SubscriptionAck } from './realtime-subscriptions';

/**
 * The one Socket.IO gateway, on the HTTP port at `/socket.io`. Thin: authentication and
 * connection policy live in RealtimeConnections, channel membership in RealtimeSubscriptions,
 * broadcasting in RealtimePublisher. Server options (CORS, transports, buffer size, recovery)
 * are set by RedisIoAdapter from AppConfig.
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection {
  constructor(
    private readonly server: RealtimeServer,
    private readonly connections: RealtimeConnections,
    private readonly subscriptions: RealtimeSubscriptions,
  ) {}

  afterInit(server: Server): void {
    this.server.attach(server);
    server.use(this.connections.authenticate);
  }

  handleConnection(socket: Socket): void {
    this.connections.admit(socket);
  }

  /** Clock sync: clients (and the benchmark) measure latency against the server clock. */
  @SubscribeMessage('ping')
  ping(): { serverTime: number } {
    return { serverTime: Date.now() };
  }

  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    return this.subscriptions.subscribe(socket, body);
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    return this.subscriptions.unsubscribe(socket, body);
  }
}
