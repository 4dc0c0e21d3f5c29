import { domainError } from '../common/errors/domain-error';

/** No notification of yours has this id (someone else's answers the same). */
export class NotificationNotFound extends domainError(404, 'NotificationNotFound', (id: string) => `Notification ${id} not found`) {}
