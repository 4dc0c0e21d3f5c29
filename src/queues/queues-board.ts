import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AccessTokenService } from '../auth/access-token.service';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { Forbidden, Unauthorized } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { JobQueues } from './job-queues';

export const QUEUES_BOARD_PATH = '/admin/queues';

/** Roles that see the board and act on jobs (retry, remove, pause); `support` would get a read-only board if it existed. */
const BOARD_ROLES: readonly string[] = ['admin'];

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
 * Bull Board (the BullMQ dashboard) at `/admin/queues`, for admins: the same access token as the API, as
 * `Authorization: Bearer` or the sign-in cookie (a browser opening the page sends the cookie). Anyone else
 * gets the API's 401/403 error body. Every queue of the app is on it (JobQueues).
 */
@Injectable()
export class QueuesBoard {
  constructor(
    private readonly queues: JobQueues,
    private readonly tokens: AccessTokenService,
    private readonly config: AppConfig,
  ) {}

  /** The guard and the board's router, to mount at QUEUES_BOARD_PATH. */
  handlers(): RequestHandler[] {
    const serverAdapter = new ExpressAdapter().setBasePath(QUEUES_BOARD_PATH);
    createBullBoard({
      queues: this.queues.queues().map((queue) => new BullMQAdapter(queue)),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Cash Markets jobs' } },
    });
    return [this.guard, serverAdapter.getRouter() as RequestHandler];
  }

  private readonly guard = (request: Request, _response: Response, next: NextFunction): void => {
    const header = request.header('authorization');
    const token = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : cookieValue(request.header('cookie'), this.config.authCookieName);
    if (!token) return next(new Unauthorized('missing access token (Authorization: Bearer <token> or the sign-in cookie)'));
    this.tokens
      .authenticate(token)
      .then((user: AuthenticatedUser) => {
        if (!user.roles.some((role) => BOARD_ROLES.includes(role))) return next(new Forbidden(`requires role ${BOARD_ROLES.join(' or ')}`));
        (request as Request & { user?: AuthenticatedUser }).user = user;
        next();
      })
      .catch(next);
  };
}
