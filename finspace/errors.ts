// Errors of the FinSpace Data API, one class per error shape of the model,
// shaped like the AWS SDK's service exceptions so that the SDK's retry
// classification (name, $fault, $metadata.httpStatusCode) applies unchanged.

export interface ResponseMetadata {
  readonly httpStatusCode?: number;
  readonly requestId?: string;
}

export class FinspaceDataServiceException extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: ResponseMetadata;

  constructor(name: string, message: string, fault: 'client' | 'server', metadata: ResponseMetadata) {
    super(message);
    this.name = name;
    this.$fault = fault;
    this.$metadata = metadata;
  }
}

function errorShape(name: string, fault: 'client' | 'server') {
  return class extends FinspaceDataServiceException {
    constructor(message: string, metadata: ResponseMetadata = {}) {
      super(name, message, fault, metadata);
    }
  };
}

export class AccessDeniedException extends errorShape('AccessDeniedException', 'client') {}
export class ConflictException extends errorShape('ConflictException', 'client') {}
export class InternalServerException extends errorShape('InternalServerException', 'server') {}
export class LimitExceededException extends errorShape('LimitExceededException', 'client') {}
export class ResourceNotFoundException extends errorShape('ResourceNotFoundException', 'client') {}
export class ThrottlingException extends errorShape('ThrottlingException', 'client') {}
export class ValidationException extends errorShape('ValidationException', 'client') {}

const MODELED_ERRORS = {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  LimitExceededException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} as const;

/**
 * The error a restJson1 error response stands for: its name from the
 * `x-amzn-ErrorType` header (or the body's `__type`/`code`), stripped of any
 * namespace and `:` suffix; an unmodeled name keeps the base class.
 */
export function errorFromResponse(
  statusCode: number,
  headerErrorType: string | undefined,
  body: unknown,
  requestId?: string,
): FinspaceDataServiceException {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const rawName =
    headerErrorType ?? stringField(record, '__type') ?? stringField(record, 'code') ?? `HttpStatus${statusCode}`;
  const name = rawName.split(':')[0].split('#').pop() ?? rawName;
  const message = stringField(record, 'message') ?? stringField(record, 'Message') ?? `HTTP ${statusCode}`;
  const metadata: ResponseMetadata = { httpStatusCode: statusCode, requestId };
  const ErrorClass = MODELED_ERRORS[name as keyof typeof MODELED_ERRORS];
  if (ErrorClass) return new ErrorClass(message, metadata);
  return new FinspaceDataServiceException(name, message, statusCode >= 500 ? 'server' : 'client', metadata);
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}
