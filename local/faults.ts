// Fault injection for tests and benchmarks: a rate limit, random errors,
// added latency and connection resets, from a seeded generator so that a run
// can be repeated.

export interface FaultOptions {
  /** FinSpace requests per second accepted before ThrottlingException (a token bucket holding one second's worth). */
  readonly throttleRps?: number;
  /** Probability of a ThrottlingException on any FinSpace request. */
  readonly throttleProbability?: number;
  /** Probability of an InternalServerException on any FinSpace request (before it is applied). */
  readonly errorProbability?: number;
  /** Probability that the connection is reset before any answer. */
  readonly resetProbability?: number;
  /** Milliseconds added before every answer. */
  readonly latencyMs?: number;
  /** Probability of an STS Throttling error on AssumeRole. */
  readonly stsThrottleProbability?: number;
  /** Seed of the random generator. @default 1 */
  readonly seed?: number;
}

export type Fault = 'throttle' | 'error' | 'reset' | undefined;

/** mulberry32: small, fast, good enough to spread faults evenly. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private random: () => number;
  private tokens = 0;
  private refilledAt = 0;

  constructor(
    private options: FaultOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.random = generator(options.seed ?? 1);
    this.tokens = options.throttleRps ?? 0;
    this.refilledAt = now();
  }

  configure(options: FaultOptions): void {
    this.options = options;
    this.random = generator(options.seed ?? 1);
    this.tokens = options.throttleRps ?? 0;
    this.refilledAt = this.now();
  }

  latency(): number {
    return this.options.latencyMs ?? 0;
  }

  /** The fault, if any, for the next FinSpace request. */
  nextFinspace(): Fault {
    const o = this.options;
    if (o.resetProbability && this.random() < o.resetProbability) return 'reset';
    if (o.throttleRps !== undefined && !this.takeToken(o.throttleRps)) return 'throttle';
    if (o.throttleProbability && this.random() < o.throttleProbability) return 'throttle';
    if (o.errorProbability && this.random() < o.errorProbability) return 'error';
    return undefined;
  }

  nextSts(): Fault {
    const o = this.options;
    if (o.resetProbability && this.random() < o.resetProbability) return 'reset';
    if (o.stsThrottleProbability && this.random() < o.stsThrottleProbability) return 'throttle';
    return undefined;
  }

  private takeToken(rps: number): boolean {
    const now = this.now();
    this.tokens = Math.min(rps, this.tokens + ((now - this.refilledAt) / 1000) * rps);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
