import { registerDecorator, ValidationArguments } from 'class-validator';

/** Why `value` is not an integer in [min, max], in class-validator's own words, or undefined when it is. */
export function intBetweenProblem(value: unknown, min: number, max: number): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be an integer number';
  if (value < min) return `must not be less than ${min}`;
  if (value > max) return `must not be greater than ${max}`;
  return undefined;
}

/**
 * An integer from `min` to `max`. One rule instead of `@IsInt() @Min() @Max()`, so a value gets
 * the one message that applies (`?page=abc` is "not an integer", not also below 1 and above the maximum).
 */
export function IsIntBetween(min: number, max: number): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isIntBetween',
      target: target.constructor,
      propertyName: propertyName as string,
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => intBetweenProblem(value, min, max) === undefined,
        defaultMessage: (args: ValidationArguments) => `${args.property} ${intBetweenProblem(args.value, min, max) ?? 'is invalid'}`,
      },
    });
  };
}
