import { Param, PipeTransform } from '@nestjs/common';
import { DomainError, NotFound } from '../errors/domain-error';
import { isUuid } from '../ids';

/** What a route answers for an id that names nothing: a noun (`'Market'` → 404 "Market … not found") or the module's own error class. */
export type NotFoundOf = string | (new (id: string) => DomainError);

function notFoundError(notFound: NotFoundOf, id: string): DomainError {
  return typeof notFound === 'string' ? new NotFound(`${notFound} ${id} not found`) : new notFound(id);
}

/**
 * Route ids are uuids. Anything else cannot name a row, so it is answered exactly like a uuid of
 * nothing (the module's 404), never 400, and never reaches a uuid column as a database error.
 */
export class ParseIdPipe implements PipeTransform<string, string> {
  constructor(private readonly notFound: NotFoundOf) {}

  transform(value: string): string {
    if (!isUuid(value)) throw notFoundError(this.notFound, value);
    return value;
  }
}

/** `@UuidParam('id', 'Market')` or `@UuidParam('id', RoundNotFound)`: a uuid path parameter whose malformed values answer 404. */
export function UuidParam(name: string, notFound: NotFoundOf): ParameterDecorator {
  return Param(name, new ParseIdPipe(notFound));
}
