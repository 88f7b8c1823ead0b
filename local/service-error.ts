/** An error the local endpoint answers with: the error shape's name, its HTTP status, a message. */
export class ServiceError extends Error {
  constructor(
    readonly errorName: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = errorName;
  }
}

export const validation = (message: string) => new ServiceError('ValidationException', 400, message);
export const accessDenied = (message: string) => new ServiceError('AccessDeniedException', 403, message);
export const notFound = (message: string) => new ServiceError('ResourceNotFoundException', 404, message);
export const conflict = (message: string) => new ServiceError('ConflictException', 409, message);
