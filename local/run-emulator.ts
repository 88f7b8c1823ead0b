// `npm run emulator`: the local FinSpace endpoint alone, in the foreground.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from './emulator';
import { LOCAL_HANDLER_CREDENTIALS } from './emulator-state';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4566' },
      'throttle-rps': { type: 'string' },
      'error-probability': { type: 'string' },
      'latency-ms': { type: 'string' },
    },
  });
  const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const emulator = await startEmulator({
    port: Number(values.port),
    stateFile: join(process.cwd(), '.finspace-local', 'emulator.json'),
    faults: {
      throttleRps: number(values['throttle-rps']),
      errorProbability: number(values['error-probability']),
      latencyMs: number(values['latency-ms']),
    },
  });
  process.stdout.write(
    [
      `Local FinSpace Data API and STS listening on ${emulator.url} (state: .finspace-local/emulator.json)`,
      '',
      'Point an AWS SDK or the AWS CLI at it:',
      `  export AWS_ENDPOINT_URL=${emulator.url} AWS_REGION=us-east-1`,
      `  export AWS_ACCESS_KEY_ID=${LOCAL_HANDLER_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_HANDLER_CREDENTIALS.secretAccessKey}`,
      '  aws sts assume-role --role-arn arn:aws:iam::123456789012:role/FinSpaceUserAdmin --role-session-name me',
      '  # then, with the role credentials:',
      '  aws finspace-data get-programmatic-access-credentials --environment-id demoenvironment0000000001',
      '  # and, with the FinSpace credentials it returns:',
      '  aws finspace-data list-users --max-results 10',
      '',
      `Deploy to it: npm start -- --endpoint ${emulator.url}. Stop with Ctrl-C.`,
      '',
    ].join('\n'),
  );
  const stop = () => {
    emulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
