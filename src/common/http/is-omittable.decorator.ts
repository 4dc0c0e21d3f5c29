import { registerDecorator, ValidateIf, ValidationArguments } from 'class-validator';

/** The constraint name `createValidationPipe` reports alone: a null field gets one message, not one per rule. */
export const NOT_NULL_CONSTRAINT = 'isNotNull';

/**
 * A body field that may be left out but is never `null`. class-validator's `@IsOptional()` skips
 * every rule for null as well, so a null would reach the service (and a NOT NULL column) unchecked;
 * here only a missing field skips the rules and a null is a 400 naming the field.
 */
export function IsOmittable(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    ValidateIf((_object: unknown, value: unknown) => value !== undefined)(target, propertyName);
    registerDecorator({
      name: NOT_NULL_CONSTRAINT,
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => value !== null,
        defaultMessage: (args: ValidationArguments) => `${args.property} must not be null (leave it out instead)`,
      },
    });
  };
}
