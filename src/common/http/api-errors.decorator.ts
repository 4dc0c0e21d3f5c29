import { applyDecorators } from '@nestjs/common';
import { ApiResponse, getSchemaPath, type OperationObject, type ResponseObject } from '@nestjs/swagger';
import { ErrorBody } from './error-body';

/** One error an operation may answer, documented with an example body. */
export interface ApiErrorSpec {
  status: number;
  /** The stable `error` name clients switch on. */
  error: string;
  /** An example `message`, as the server words it. */
  message: string;
  details?: unknown;
  /** When it happens; defaults to the error name. */
  description?: string;
  /** The example's key, when one response documents two cases of the same error; defaults to `error`. */
  example?: string;
}

const EXAMPLE_REQUEST_ID = '0b5c2f7e-3a4d-4d0e-9b1a-8d9e2f6c1a77';

/** The `{statusCode, error, message, details?, requestId}` body the global filter sends for `spec`. */
export function errorExample(spec: ApiErrorSpec): ErrorBody {
  return {
    statusCode: spec.status,
    error: spec.error,
    message: spec.message,
    ...(spec.details !== undefined ? { details: spec.details } : {}),
    requestId: EXAMPLE_REQUEST_ID,
  };
}

function exampleOf(spec: ApiErrorSpec): Record<string, { summary: string; value: ErrorBody }> {
  return { [spec.example ?? spec.error]: { summary: spec.description ?? spec.error, value: errorExample(spec) } };
}

function descriptionOf(spec: ApiErrorSpec): string {
  return spec.description ? `${spec.error}: ${spec.description}` : spec.error;
}

/**
 * Documents error responses as ErrorBody with one named example per error. Several errors with one
 * status share the response (descriptions joined, one example each), also across decorators.
 */
export function ApiErrors(...specs: ApiErrorSpec[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...specs.map((spec) =>
      ApiResponse({
        status: spec.status,
        type: ErrorBody,
        description: descriptionOf(spec),
        examples: exampleOf(spec),
      }),
    ),
  );
}

/** The same, added to an operation of a built document (for responses derived from route metadata). */
export function addErrorResponse(operation: OperationObject, spec: ApiErrorSpec): void {
  const key = String(spec.status);
  const existing = operation.responses[key] as ResponseObject | undefined;
  const content = existing?.content?.['application/json'] ?? { schema: { $ref: getSchemaPath(ErrorBody) } };
  const examples = { ...content.examples, ...exampleOf(spec) };
  const description = existing?.description ? `${existing.description}\n\n${descriptionOf(spec)}` : descriptionOf(spec);
  operation.responses[key] = { ...existing, description, content: { ...existing?.content, 'application/json': { ...content, examples } } };
}

/** The ValidationPipe's 400 for one field, as an example. */
export function validationFailed(field: string, problem: string, description = 'a field is missing or invalid; `details` names each one'): ApiErrorSpec {
  const message = `${field} ${problem}`;
  return { status: 400, error: 'ValidationFailed', message, details: [{ field, messages: [message] }], description };
}
