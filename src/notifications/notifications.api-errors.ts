import type { ApiErrorSpec } from '../common/http/api-errors.decorator';

export const NOTIFICATION_NOT_FOUND: ApiErrorSpec = {
  status: 404,
  error: 'NotificationNotFound',
  message: 'Notification 3f1c2b7d-9a4c-4e1b-8d3f-5b6a7c8d9e0f not found',
  description: 'no notification of yours has this id',
};
