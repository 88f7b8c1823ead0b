// The FinSpace reader pointed at the local endpoint, acting as the principal
// the local handler runs as: the local deploy's report, `plan --local` and
// `import --local` read users through it.
import { type FinspaceReader, finspaceReader } from '../toolkit/finspace-reader';
import { LOCAL_HANDLER_CREDENTIALS, LOCAL_REGION } from './emulator-state';

/** A reader of the local endpoint at `endpoint`, acting as the principal the local handler runs as. */
export function localFinspaceReader(endpoint: string, maxAttempts?: number): FinspaceReader {
  const { accessKeyId, secretAccessKey } = LOCAL_HANDLER_CREDENTIALS;
  return finspaceReader({
    env: { AWS_REGION: LOCAL_REGION, AWS_ENDPOINT_URL: endpoint, AWS_MAX_ATTEMPTS: maxAttempts?.toString() },
    caller: { accessKeyId, secretAccessKey },
  });
}
