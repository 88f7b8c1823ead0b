// When CloudFormation sent an event, read from its pre-signed ResponseURL
// (lambda/sent-time.ts), in both forms CloudFormation has used.
import { latestSendTime } from '../lambda/sent-time';
import { responseUrlSentAt } from './support/events';

const BUCKET = 'https://cloudformation-custom-resource-response-apsoutheast2.s3-ap-southeast-2.amazonaws.com';
const KEY = 'arn%3Aaws%3Acloudformation%3Aap-southeast-2%3A123456789012%3Astack/s/1%7CRes%7Cabc';

test('SigV4: X-Amz-Date is the signing time, to the second; the latest send time is the end of that second', () => {
  const url =
    `${BUCKET}/${KEY}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20231123T074157Z&X-Amz-SignedHeaders=host` +
    '&X-Amz-Expires=7200&X-Amz-Credential=AKIAEXAMPLE%2F20231123%2Fap-southeast-2%2Fs3%2Faws4_request&X-Amz-Signature=00';
  expect(latestSendTime(url)).toBe(Date.UTC(2023, 10, 23, 7, 41, 57, 999));
  // the test events' URLs are of that form
  expect(latestSendTime(responseUrlSentAt(Date.UTC(2026, 5, 1, 12, 0, 0, 400)))).toBe(
    Date.UTC(2026, 5, 1, 12, 0, 0, 999),
  );
});

test('SigV2: only Expires, about two hours after the signing (a second of slack for a 7199 s lifetime)', () => {
  const url = `${BUCKET}/${KEY}?AWSAccessKeyId=AKIAEXAMPLE&Expires=1549075566&Signature=abc%3D`;
  expect(latestSendTime(url)).toBe((1549075566 - 7200 + 1) * 1000 + 999);
});

test.each([
  ['no signing time', `${BUCKET}/${KEY}`],
  ['an X-Amz-Date of another form', `${BUCKET}/${KEY}?X-Amz-Date=2023-11-23T07:41:57Z`],
  ['an impossible X-Amz-Date', `${BUCKET}/${KEY}?X-Amz-Date=20231323T074157Z`],
  ['an Expires that is not a number', `${BUCKET}/${KEY}?Expires=soon`],
  ['not a URL', 'cloudformation'],
  ['not a string', 42],
])('%s: no send time (the event cannot be placed in a phase)', (_what, url) => {
  expect(latestSendTime(url)).toBeUndefined();
});
