import { ArgumentMetadata, BadRequestException, PipeTransform } from '@nestjs/common';

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  return Object.entries(value as Record<string, unknown>).some(([key, item]) => key.includes('\u0000') || containsNul(item, depth + 1));
}

/**
 * PostgreSQL text cannot hold NUL, so a string with one would fail deep in a query as a 500.
 * Refuse it at the edge, for body, query and route parameters alike.
 */
export class RejectNulPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'custom' && containsNul(value)) {
      throw new BadRequestException({ error: 'ValidationFailed', message: `${metadata.type} must not contain NUL characters (\\u0000)` });
    }
    return value;
  }
}
