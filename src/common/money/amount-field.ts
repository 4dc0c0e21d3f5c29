import { InvalidField } from '../errors/domain-error';
import { AmountFormatError, AmountRules, parseAmount } from './amount';

/** `parseAmount` for a request field: a refused value is the ValidationPipe's 400 (`InvalidField`) naming `field`. */
export function parseAmountField(value: unknown, rules: AmountRules, field: string): bigint {
  try {
    return parseAmount(value, rules, field);
  } catch (error) {
    if (error instanceof AmountFormatError) throw new InvalidField(field, error.reason);
    throw error;
  }
}
