// The stack's snapshot table, as CloudFormation would have created it before the handler runs,
// for tests that run the bundled handler against a bare local endpoint.
import { SNAPSHOT_KEY_ATTRIBUTE, SNAPSHOT_TABLE_ENV, SNAPSHOT_TTL_ATTRIBUTE } from '../../lambda/consts';
import { provisionTables } from '../../local/provision-tables';

export const SNAPSHOT_TABLE = 'Snapshots';

/** The handler's environment variable that names the table. */
export const snapshotTableEnv = { [SNAPSHOT_TABLE_ENV]: SNAPSHOT_TABLE };

export function provisionSnapshotTable(endpoint: string): Promise<void> {
  return provisionTables(endpoint, [
    {
      tableName: SNAPSHOT_TABLE,
      keySchema: [{ AttributeName: SNAPSHOT_KEY_ATTRIBUTE, KeyType: 'HASH' }],
      ttlAttribute: SNAPSHOT_TTL_ATTRIBUTE,
    },
  ]);
}
