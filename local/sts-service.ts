// A minimal STS (query protocol, 2011-06-15) with the one action the handler
// needs, AssumeRole, so that @aws-sdk/client-sts runs unchanged against it.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AccessKeyRecord, EmulatorState } from './emulator-state';
import { PolicyError } from './iam-policy';
import { trustAllows } from './role-trust';
import { ServiceError } from './service-error';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function stsErrorXml(error: ServiceError, requestId: string): string {
  const type = error.statusCode >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(error.errorName)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** The caller as AWS names it in AccessDenied: a key standing for one handler role names that role. */
function callerNameOf(caller: AccessKeyRecord): string {
  return caller.actsAs?.length === 1 ? caller.actsAs[0] : (caller.principalArn ?? '');
}

export function assumeRole(state: EmulatorState, caller: AccessKeyRecord, form: URLSearchParams, now: number): string {
  if (form.get('Action') !== 'AssumeRole') {
    throw new ServiceError(
      'InvalidAction',
      400,
      `Could not find operation ${form.get('Action') ?? ''} for version 2011-06-15`,
    );
  }
  const roleArn = form.get('RoleArn') ?? '';
  const sessionName = form.get('RoleSessionName') ?? '';
  if (roleArn.length < 20 || roleArn.length > 2048)
    throw new ServiceError('ValidationError', 400, 'RoleArn must be 20 to 2048 characters');
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
    throw new ServiceError('ValidationError', 400, 'RoleSessionName is invalid');
  const duration = Number(form.get('DurationSeconds') ?? 3600);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
    throw new ServiceError('ValidationError', 400, 'DurationSeconds must be between 900 and 43200');
  }
  const externalId = form.get('ExternalId');
  if (externalId !== null && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId))
    throw new ServiceError('ValidationError', 400, 'ExternalId is invalid');
  const role = state.roles[roleArn];
  let trusted: boolean;
  try {
    trusted =
      caller.kind === 'iam' && role !== undefined && trustAllows(roleArn, role, caller, externalId ?? undefined);
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    // An edited trust policy the endpoint cannot evaluate: said, never taken as an allow.
    throw new ServiceError('MalformedPolicyDocument', 400, `The local endpoint cannot evaluate ${error.message}`);
  }
  if (!trusted) {
    throw new ServiceError(
      'AccessDenied',
      403,
      `User: ${callerNameOf(caller)} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  }
  const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const expiresAt = now + duration * 1000;
  const record: AccessKeyRecord = {
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(80).toString('base64'),
    expiresAt,
    kind: 'iam',
    principalArn: roleArn,
    sessionName,
  };
  state.accessKeys[accessKeyId] = record;
  const roleName = roleArn.split('/').pop() ?? roleArn;
  const account = roleArn.split(':')[4];
  return (
    `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult><Credentials>` +
    `<AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(record.secretAccessKey)}</SecretAccessKey>` +
    `<SessionToken>${escapeXml(record.sessionToken ?? '')}</SessionToken><Expiration>${new Date(expiresAt).toISOString()}</Expiration>` +
    `</Credentials><AssumedRoleUser><AssumedRoleId>AROALOCAL:${escapeXml(sessionName)}</AssumedRoleId>` +
    `<Arn>arn:aws:sts::${account}:assumed-role/${escapeXml(roleName)}/${escapeXml(sessionName)}</Arn></AssumedRoleUser>` +
    `</AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`
  );
}
