import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Injectable } from '@nestjs/common';
import type { Request, RequestHandler } from 'express';
import { AccessTokenService } from '../auth/access-token.service';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import type { UserRole } from '../auth/user.entity';
import { Forbidden, Unauthorized } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { JobQueues } from './job-queues';

export const QUEUES_BOARD_PATH = '/admin/queues';

/** Who sees which board: admins act on jobs (retry, remove, pause, add); support staff only look. */
const FULL_BOARD_ROLES: readonly UserRole[] = ['admin'];
const READ_ONLY_BOARD_ROLES: readonly UserRole[] = ['support'];

export type BoardAccess = 'full' | 'read-only' | 'none';

export function boardAccessOf(roles: readonly UserRole[]): BoardAccess {
  if (roles.some((role) => FULL_BOARD_ROLES.includes(role))) return 'full';
  if (roles.some((role) => READ_ONLY_BOARD_ROLES.includes(role))) return 'read-only';
  return 'none';
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      try {
        return decodeURIComponent(part.slice(separator + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Bull Board (the BullMQ dashboard) at `/admin/queues`, for admins (and read-only for `support`): the same access token as the API, as `Authorization: Bearer` or the sign-in cookie (a browser opening
 * the page sends the cookie). Anyone else gets the API's 401/403 error body. Every queue of the app is on it.
 */
@Injectable()
export class QueuesBoard {
  constructor(
    private readonly queues: JobQueues,
    private readonly tokens: AccessTokenService,
    private readonly config: AppConfig,
  ) {}

  /** The guard, which hands each caller the board they may use, to mount at QUEUES_BOARD_PATH. */
  handler(): RequestHandler {
    const boards = { full: this.board(false), 'read-only': this.board(true) };
    return (request, response, next) =>
      this.authorize(request, (error?: unknown, access?: Exclude<BoardAccess, 'none'>) => (error || !access ? next(error) : boards[access](request, response, next)));
  }

  /** One Bull Board over every queue; read-only refuses every change server-side (405), not only in the UI. */
  private board(readOnlyMode: boolean): RequestHandler {
    const serverAdapter = new ExpressAdapter().setBasePath(QUEUES_BOARD_PATH);
    createBullBoard({
      queues: this.queues.queues().map((queue) => new BullMQAdapter(queue, { readOnlyMode })),
      serverAdapter,
      options: { uiConfig: { boardTitle: readOnlyMode ? 'Cash Markets jobs (read-only)' : 'Cash Markets jobs' } },
    });
    return serverAdapter.getRouter() as RequestHandler;
  }

  private authorize(request: Request, done: (error?: unknown, access?: Exclude<BoardAccess, 'none'>) => void): void {
    const header = request.header('authorization');
    const token = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : cookieValue(request.header('cookie'), this.config.authCookieName);
    if (!token) return done(new Unauthorized('missing access token (Authorization: Bearer <token> or the sign-in cookie)'));
    this.tokens
      .authenticate(token)
      .then((user: AuthenticatedUser) => {
        (request as Request & { user?: AuthenticatedUser }).user = user;
        const access = boardAccessOf(user.roles);
        if (access === 'none') return done(new Forbidden(`requires role ${[...FULL_BOARD_ROLES, ...READ_ONLY_BOARD_ROLES].join(' or ')}`));
        done(undefined, access);
      })
      .catch(done);
  }
}
