import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';

/**
 * The one Socket.IO gateway, on the HTTP port at `/socket.io`. Channels, auth and
 * publishing arrive with the realtime issue; for now it answers clock-sync pings so
 * clients (and the realtime benchmark) can measure latency against the server clock.
 */
@WebSocketGateway({ cors: { origin: true, credentials: true }, maxHttpBufferSize: 64 * 1024 })
export class RealtimeGateway {
  @SubscribeMessage('ping')
  ping(): { serverTime: number } {
    return { serverTime: Date.now() };
  }
}
