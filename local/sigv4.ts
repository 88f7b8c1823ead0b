// Server-side AWS Signature Version 4 verification, written from the SigV4
// specification with node:crypto alone, so that it checks our client's use of
// @smithy/signature-v4 rather than repeating it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as they arrived on the wire. */
  readonly url: string;
  /** Header names in lower case (as node:http gives them). */
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface SecretLookup {
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What a request must be scoped to: its service and, on a server of one region, that region. */
export interface ExpectedScope {
  readonly service: string;
  /** @default - any region */
  readonly region?: string;
}

export type Verification =
  | { readonly ok: true; readonly accessKeyId: string; readonly region: string }
  | { readonly ok: false; readonly error: SignatureErrorName; readonly message: string };

export type SignatureErrorName =
  'MissingAuthenticationToken' | 'IncompleteSignature' | 'UnrecognizedClientException' | 'InvalidSignatureException';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 5 * 60_000;

/** RFC 3986 unreserved characters stay; everything else is %XX (SigV4's UriEncode). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Non-S3 services: each path segment is URI-encoded once more, empty and `.` segments dropped. */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(segment));
  }
  const trailing = rawPath.endsWith('/') && segments.length > 0 ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

/** The canonical query string, or undefined when the query holds a malformed `%` escape. */
function canonicalQuery(rawQuery: string): string | undefined {
  if (rawQuery === '') return '';
  const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, '%20'));
  let pairs: (readonly [string, string])[];
  try {
    pairs = rawQuery.split('&').map((part) => {
      const [k, v = ''] = part.split('=');
      return [uriEncode(decode(k)), uriEncode(decode(v))] as const;
    });
  } catch {
    return undefined;
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Parses `YYYYMMDDTHHMMSSZ`. */
function parseAmzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

/**
 * Verifies the Authorization header of a request for `expectedScope` (a service
 * name, or a service and region). `lookup` returns the secret of an access
 * key this server issued, or undefined.
 */
export function verifySigV4(
  request: SignedRequest,
  expectedScope: string | ExpectedScope,
  lookup: (accessKeyId: string) => SecretLookup | undefined,
  now: number = Date.now(),
): Verification {
  const authorization = header(request.headers, 'authorization');
  if (!authorization) {
    return { ok: false, error: 'MissingAuthenticationToken', message: 'Missing Authentication Token' };
  }
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!m) return { ok: false, error: 'IncompleteSignature', message: 'Authorization header is not a SigV4 signature' };
  const [, accessKeyId, scopeDate, region, scopeService, signedHeaderList, signature] = m;
  const { service, region: expectedRegion } =
    typeof expectedScope === 'string' ? { service: expectedScope } : expectedScope;
  if (scopeService !== service) {
    return {
      ok: false,
      error: 'InvalidSignatureException',
      message: `Credential should be scoped to correct service: '${service}'`,
    };
  }
  if (expectedRegion !== undefined && region !== expectedRegion) {
    // AWS's answer to a signature for another region (SignatureDoesNotMatch in the query protocol)
    return {
      ok: false,
      error: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region, not '${region}'.`,
    };
  }
  const amzDate = header(request.headers, 'x-amz-date') ?? '';
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || !amzDate.startsWith(scopeDate)) {
    return {
      ok: false,
      error: 'IncompleteSignature',
      message: 'X-Amz-Date is missing or does not match the credential scope',
    };
  }
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) {
    return {
      ok: false,
      error: 'InvalidSignatureException',
      message: 'Signature expired: the request time is too far from the server time',
    };
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) {
    return { ok: false, error: 'IncompleteSignature', message: 'The host header must be signed' };
  }
  const secret = lookup(accessKeyId);
  if (!secret) {
    return {
      ok: false,
      error: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  const token = header(request.headers, 'x-amz-security-token');
  if ((secret.sessionToken ?? undefined) !== (token ?? undefined)) {
    return {
      ok: false,
      error: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  if (token !== undefined && !signedHeaders.includes('x-amz-security-token')) {
    return { ok: false, error: 'IncompleteSignature', message: 'The session token must be signed' };
  }

  const queryStart = request.url.indexOf('?');
  const rawPath = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const rawQuery = queryStart < 0 ? '' : request.url.slice(queryStart + 1);
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(header(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payloadHash = header(request.headers, 'x-amz-content-sha256') ?? sha256Hex(request.body);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256Hex(request.body)) {
    return { ok: false, error: 'InvalidSignatureException', message: 'The payload hash does not match the body' };
  }
  const query = canonicalQuery(rawQuery);
  if (query === undefined) {
    return { ok: false, error: 'IncompleteSignature', message: 'The query string holds a malformed percent-encoding' };
  }
  const canonicalRequest = [
    request.method,
    canonicalPath(rawPath),
    query,
    canonicalHeaders,
    signedHeaderList,
    payloadHash,
  ].join('\n');
  const scope = `${scopeDate}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret.secretAccessKey}`, scopeDate), region), service), 'aws4_request');
  const expected = hmac(key, stringToSign);
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return {
      ok: false,
      error: 'InvalidSignatureException',
      message: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  return { ok: true, accessKeyId, region };
}
