import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { amountShapeProblem, AmountSign } from './amount';

/**
 * A DTO field holding a decimal string amount. Checks shape and sign here so a bad value is a 400
 * naming the field; the asset's own decimals are checked where the asset is known (`parseAmount`).
 */
export function IsAmount(sign: AmountSign = 'positive', options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isAmount',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => amountShapeProblem(value, sign) === undefined,
        defaultMessage: (args: ValidationArguments) => `${args.property} ${amountShapeProblem(args.value, sign) ?? 'is invalid'}`,
      },
    });
  };
}
