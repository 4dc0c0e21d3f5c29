import { createServer, Server, Socket } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Headers and body, quoted-printable decoded (the mails here are ASCII). */
  data: string;
}

/**
 * A minimal SMTP server for tests: accepts every message on 127.0.0.1 and keeps it in memory.
 * Speaks just enough of RFC 5321 (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for nodemailer.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  private readonly waiters: { match: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }[] = [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((socket) => this.session(socket));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The first message (already received or still to come) for `to`. */
  waitFor(to: string, timeoutMs = 10_000): Promise<ReceivedMail> {
    const match = (mail: ReceivedMail) => mail.to.includes(to.toLowerCase());
    const found = this.messages.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no mail for ${to} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ match, resolve: (mail) => (clearTimeout(timer), resolve(mail)) });
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private receive(mail: ReceivedMail): void {
    this.messages.push(mail);
    for (const waiter of this.waiters.filter((candidate) => candidate.match(mail))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(mail);
    }
  }

  private session(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    let envelope: { from: string; to: string[] } = { from: '', to: [] };
    let inData = false;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 smtp-sink ready');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const data = decodeQuotedPrintable(buffer.slice(0, end).replace(/^\.\./gm, '.'));
          buffer = buffer.slice(end + 5);
          inData = false;
          this.receive({ ...envelope, data });
          envelope = { from: '', to: [] };
          reply('250 OK: queued');
          continue;
        }
        const end = buffer.indexOf('\r\n');
        if (end < 0) return;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const verb = line.slice(0, 4).toUpperCase();
        const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
        switch (verb) {
          case 'EHLO':
          case 'HELO':
            reply('250 smtp-sink');
            break;
          case 'MAIL':
            envelope.from = address;
            reply('250 OK');
            break;
          case 'RCPT':
            envelope.to.push(address.toLowerCase());
            reply('250 OK');
            break;
          case 'DATA':
            inData = true;
            reply('354 End data with <CR><LF>.<CR><LF>');
            break;
          case 'RSET':
            envelope = { from: '', to: [] };
            reply('250 OK');
            break;
          case 'NOOP':
            reply('250 OK');
            break;
          case 'QUIT':
            reply('221 Bye');
            socket.end();
            break;
          default:
            reply('502 Command not implemented');
        }
      }
    });
  }
}

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
