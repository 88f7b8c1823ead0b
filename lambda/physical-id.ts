// The physical id the handler issues for a FinspaceUser: its environment and
// user, each percent-encoded, so that it can be read back.
import type { UserDeclaration } from '../finspace/constraints';

/** Stable and injective in (environment, user): a change of either is a replacement. */
export function physicalIdOf(declaration: Pick<UserDeclaration, 'environmentId' | 'userId'>): string {
  return `${encodeURIComponent(declaration.environmentId)}/${encodeURIComponent(declaration.userId)}`;
}

/** The (environment, user) a physical id was issued for, or undefined when physicalIdOf never returns it. */
export function parsePhysicalId(physicalId: string): { environmentId: string; userId: string } | undefined {
  const parts = physicalId.split('/');
  if (parts.length !== 2) return undefined;
  try {
    const [environmentId, userId] = parts.map(decodeURIComponent);
    if (environmentId === '' || userId === '') return undefined;
    return physicalIdOf({ environmentId, userId }) === physicalId ? { environmentId, userId } : undefined;
  } catch {
    return undefined; // not percent-encoded by us
  }
}
