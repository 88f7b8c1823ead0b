import { LOG_GROUP_ENV } from '../lambda/consts';
import { failureReason, logGroupOf, MAX_REASON_BYTES } from '../lambda/failure-reason';

test('a short message is kept whole, with the log group', () => {
  expect(failureReason('UpdateUser u-42: ThrottlingException: slow down', 'grp')).toBe(
    'UpdateUser u-42: ThrottlingException: slow down (handler log group: grp)',
  );
});

test('a long one is cut to MAX_REASON_BYTES of UTF-8, never inside a character', () => {
  for (const unit of ['x', 'é', '😀']) {
    const reason = failureReason(unit.repeat(3000), 'grp');
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(Buffer.byteLength(reason)).toBeGreaterThan(MAX_REASON_BYTES - 4);
    expect(reason).toMatch(/\.\.\. \(handler log group: grp\)$/);
    expect(reason).not.toContain('\uFFFD');
    expect(Buffer.from(reason, 'utf8').toString('utf8')).toBe(reason);
  }
});

test('one line', () => {
  expect(failureReason('a\n  b\r\nc', undefined)).toBe('a b c');
});

test("the log group: the construct's variable, else the one Lambda sets", () => {
  expect(logGroupOf({ [LOG_GROUP_ENV]: 'ours', AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn' })).toBe('ours');
  expect(logGroupOf({ AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn' })).toBe('/aws/lambda/fn');
  expect(logGroupOf({})).toBeUndefined();
});
