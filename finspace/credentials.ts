// FinSpace's two-step credentials: the admin role's IAM credentials buy
// temporary FinSpace credentials, which alone may sign user operations. They
// are kept for the life of the Lambda instance and reused while valid.
import type { AwsCredentialIdentity } from '@smithy/types';

/** Requested lifetime of FinSpace credentials: the model's maximum. */
export const CREDENTIALS_DURATION_MINUTES = 60;
/** Credentials closer than this to expiry are not handed out again. */
export const EXPIRY_MARGIN_MS = 5 * 60_000;

export interface IssuedCredentials {
  readonly credentials: AwsCredentialIdentity;
  readonly expiresAt: number;
}

/** The IAM role mapped to a FinSpace superuser, and the external id its trust policy may require. */
export interface AdminRole {
  readonly roleArn: string;
  readonly externalId?: string;
}

/** Fetches fresh FinSpace credentials for a role and environment (STS, then GetProgrammaticAccessCredentials). */
export type CredentialsFetcher = (
  admin: AdminRole,
  environmentId: string,
  signal?: AbortSignal,
) => Promise<IssuedCredentials>;

export class FinspaceCredentialsCache {
  private readonly entries = new Map<string, Promise<IssuedCredentials>>();

  constructor(
    private readonly fetch: CredentialsFetcher,
    private readonly now: () => number = Date.now,
  ) {}

  /** Credentials for the role and environment, and whether they were reused rather than fetched now. */
  async get(
    admin: AdminRole,
    environmentId: string,
    signal?: AbortSignal,
  ): Promise<{ credentials: AwsCredentialIdentity; reused: boolean }> {
    const key = keyOf(admin, environmentId);
    const cached = this.entries.get(key);
    if (cached) {
      try {
        const issued = await cached;
        if (issued.expiresAt - this.now() > EXPIRY_MARGIN_MS) return { credentials: issued.credentials, reused: true };
      } catch {
        // a failed fetch is not cached: fetch again below
      }
      if (this.entries.get(key) !== cached) return this.get(admin, environmentId, signal);
    }
    const pending = this.fetch(admin, environmentId, signal);
    this.entries.set(key, pending);
    try {
      return { credentials: (await pending).credentials, reused: false };
    } catch (error) {
      if (this.entries.get(key) === pending) this.entries.delete(key);
      throw error;
    }
  }

  /** Forgets the credentials of the role and environment, e.g. after FinSpace refused them. */
  invalidate(admin: AdminRole, environmentId: string): void {
    this.entries.delete(keyOf(admin, environmentId));
  }
}

/** One entry per role, external id and environment: another external id may be refused where this one is not. */
function keyOf(admin: AdminRole, environmentId: string): string {
  return [admin.roleArn, admin.externalId ?? '', environmentId].join('\n');
}
