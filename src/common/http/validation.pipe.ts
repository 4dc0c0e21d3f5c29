import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { NOT_NULL_CONSTRAINT } from './is-omittable.decorator';

export interface FieldProblem {
  field: string;
  messages: string[];
}

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const nullMessage = error.constraints?.[NOT_NULL_CONSTRAINT];
    const messages = nullMessage ? [nullMessage] : Object.values(error.constraints ?? {});
    const own = messages.length > 0 ? [{ field, messages }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Whitelisting validation whose 400 names every offending field in `details`. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new BadRequestException({
        error: 'ValidationFailed',
        message: details.map((problem) => problem.messages.join(', ')).join('; '),
        details,
      });
    },
  });
}
