// `finspace-user emulator` (and `npm run emulator`): the local FinSpace Data
// API and STS endpoint alone, in the foreground, for SDKs, the AWS CLI, or
// `finspace-user local --endpoint`.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startEmulator } from '../local/emulator';
import { privateDir } from '../local/private-files';
import { LOCAL_HANDLER_CREDENTIALS, LOCAL_REGION } from '../local/emulator-state';
import { declaredApp } from '../local/local-deploy';

export const EMULATOR_HELP = `Usage: finspace-user emulator [options]

Runs the local FinSpace Data API and STS endpoint on 127.0.0.1 until Ctrl-C.
Its state is .finspace-local/emulator.json; a first run seeds it from the app's
cloud assembly (cdk.out), as \`finspace-user local\` does, and each start seeds
what cdk.out declares new (restart it after declaring a user or environment).

Options:
  --port N              the port (default: 4566)
  --cdk-out DIR         the cloud assembly to seed from (default: cdk.out)
  --state-dir DIR       local state (default: .finspace-local)
  --throttle-rps N      answer ThrottlingException above N requests a second
  --error-probability P answer InternalServerException with probability P
  --latency-ms N        add N ms to every answer
  -h, --help            this text`;

export async function runEmulator(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '4566' },
      'cdk-out': { type: 'string' },
      'state-dir': { type: 'string' },
      'throttle-rps': { type: 'string' },
      'error-probability': { type: 'string' },
      'latency-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    out.write(`${EMULATOR_HELP}\n`);
    return 0;
  }
  const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const stateDir = resolve(values['state-dir'] ?? '.finspace-local');
  // Owner-only, and only a directory this tool made (or a new or empty one): anything else is refused.
  privateDir(stateDir);
  const stateFile = join(stateDir, 'emulator.json');
  const cdkOut = resolve(values['cdk-out'] ?? 'cdk.out');
  const emulator = await startEmulator({
    port: Number(values.port),
    stateFile,
    app: () => declaredApp(cdkOut),
    faults: {
      throttleRps: number(values['throttle-rps']),
      errorProbability: number(values['error-probability']),
      latencyMs: number(values['latency-ms']),
    },
  });
  out.write(
    [
      `Local FinSpace Data API and STS listening on ${emulator.url} (state: ${stateFile})`,
      '',
      'Point an AWS SDK or the AWS CLI at it:',
      `  export AWS_ENDPOINT_URL=${emulator.url} AWS_REGION=${LOCAL_REGION}`,
      `  export AWS_ACCESS_KEY_ID=${LOCAL_HANDLER_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_HANDLER_CREDENTIALS.secretAccessKey}`,
      '  aws sts assume-role --role-arn <an admin role of your app> --role-session-name me',
      '  # then, with the role credentials:',
      '  aws finspace-data get-programmatic-access-credentials --environment-id <environment id>',
      '  # and, with the FinSpace credentials it returns:',
      '  aws finspace-data list-users --max-results 10',
      '',
      `Deploy to it: finspace-user local --endpoint ${emulator.url}. Stop with Ctrl-C.`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    const stop = () => void emulator.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
