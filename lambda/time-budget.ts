// The handler must answer before Lambda stops it, or CloudFormation gets no
// answer and waits out the resource's service timeout. Every call is
// abandoned a margin before the invocation's deadline, so the failure is
// answered with its reason.

/** What the handler reads of the Lambda context. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/** Kept back for answering: 5 s, or a tenth of a short budget. */
export function safetyMarginMs(remainingMs: number): number {
  return Math.min(5_000, Math.floor(remainingMs / 10));
}

export interface TimeBudget {
  readonly signal: AbortSignal;
  /** Stops the timer once the invocation is answered. */
  dispose(): void;
}

export function timeBudget(context: InvocationContext | undefined): TimeBudget {
  const controller = new AbortController();
  if (!context) return { signal: controller.signal, dispose: () => undefined };
  const remaining = context.getRemainingTimeInMillis();
  const budget = Math.max(0, remaining - safetyMarginMs(remaining));
  const timer = setTimeout(
    () => controller.abort(new Error(`the handler's time budget (${budget} ms of the Lambda timeout) ran out`)),
    budget,
  );
  timer.unref();
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}
