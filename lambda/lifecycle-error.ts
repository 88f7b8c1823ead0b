// A failure of the handler's own making (a refusal, a rule): its message is
// safe for the CloudFormation reason and the log, and goes there as it is.

/** A failure whose message is safe for the CloudFormation reason and the log. */
export class LifecycleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LifecycleError';
  }
}
