// What a failure says to CloudFormation, as the response's Reason.
// CloudFormation drops a response over 4 KB, and then the stack waits for a
// response until the custom resource's service timeout. So the reason is one
// line, capped, and names the log group where the handler logged it.
import { LOG_GROUP_ENV } from './consts';

/** UTF-8 bytes a reason may take: a quarter of CloudFormation's 4 KB response. */
export const MAX_REASON_BYTES = 1024;

const ELLIPSIS = '...';

/** The longest prefix of `text` within `maxBytes` of UTF-8, never splitting a character. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    const size = Buffer.byteLength(character);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += character.length;
  }
  return text.slice(0, end);
}

/** The handler's log group: the one the construct named, else the one Lambda reports. */
export function logGroupOf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[LOG_GROUP_ENV] || env.AWS_LAMBDA_LOG_GROUP_NAME || undefined;
}

/** `message` on one line, at most MAX_REASON_BYTES with the log group it points to. */
export function failureReason(message: string, logGroup: string | undefined): string {
  const suffix = logGroup ? ` (handler log group: ${logGroup})` : '';
  const line = message.replace(/\s*[\r\n]+\s*/g, ' ');
  const room = MAX_REASON_BYTES - Buffer.byteLength(suffix);
  const body = Buffer.byteLength(line) <= room ? line : `${truncateUtf8(line, room - ELLIPSIS.length)}${ELLIPSIS}`;
  return `${body}${suffix}`;
}
