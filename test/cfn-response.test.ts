// The answer to CloudFormation (lambda/cfn-response.ts): which ResponseURLs
// the handler PUTs to, and the physical id each outcome reports.
import { CREATE_FAILED_PHYSICAL_ID, failedResponse, responseUrlProblem, successResponse } from '../lambda/cfn-response';
import { deleteTarget } from '../lambda/delete-target';
import { createEvent, deleteEvent, properties, updateEvent } from './support/events';

describe('ResponseURL', () => {
  const lambda = { AWS_REGION: 'us-east-1' };
  const bucket = 'cloudformation-custom-resource-response-useast1';

  test.each([
    `https://${bucket}.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A1%3Astack/S/1%7CUser%7Cid?X-Amz-Signature=abc`,
    `https://${bucket}.s3.us-east-1.amazonaws.com/key`,
    `https://${bucket}.s3-us-east-1.amazonaws.com/key`,
    `https://s3.amazonaws.com/${bucket}/key`,
    `https://s3.us-east-1.amazonaws.com/${bucket}/key`,
    'https://cloudformation-custom-resource-response-us-east-1.s3.amazonaws.com/key',
  ])("CloudFormation's response bucket in the handler's region is answered: %s", (url) => {
    expect(responseUrlProblem(url, lambda)).toBeUndefined();
  });

  test.each([
    [
      'an S3 bucket of anyone else',
      'https://attacker-bucket.s3.amazonaws.com/key',
      /not CloudFormation's response bucket in us-east-1/,
    ],
    ['path style, anyone else', 'https://s3.amazonaws.com/attacker-bucket/key', /not CloudFormation's response bucket/],
    [
      'a look-alike bucket name',
      'https://cloudformation-custom-resource-response-attacker.s3.amazonaws.com/k',
      /response bucket/,
    ],
    [
      'the bucket of another region',
      'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/k',
      /response bucket/,
    ],
    ['the bucket name as a path prefix only', `https://s3.amazonaws.com/${bucket}-x/key`, /response bucket/],
    ['API Gateway, which forwards anywhere', 'https://abc.execute-api.us-east-1.amazonaws.com/p', /response bucket/],
    ['plain HTTP', `http://${bucket}.s3.amazonaws.com/key`, /response bucket in us-east-1 \(http:\/\/cloudformation/],
    ['another port', `https://${bucket}.s3.amazonaws.com:8443/key`, /response bucket/],
    ['a look-alike host', `https://${bucket}.s3.amazonaws.com.example.net/key`, /response bucket/],
    ['the metadata address', 'https://169.254.169.254/latest/meta-data/', /response bucket/],
    ['credentials in the URL', `https://user:secret@${bucket}.s3.amazonaws.com/key`, /carries credentials/],
    ['not a URL', 'not a url', /is not a URL/],
    ['an empty string', '', /has no ResponseURL/],
    ['nothing', undefined, /has no ResponseURL/],
    ['a number', 42, /has no ResponseURL/],
  ])('%s is refused', (_what, url, problem) => {
    expect(responseUrlProblem(url, lambda)).toMatch(problem);
  });

  test('without a region nothing on AWS is answered', () => {
    expect(responseUrlProblem(`https://${bucket}.s3.amazonaws.com/key`, {})).toMatch(/AWS_REGION unset/);
  });

  test('the CloudFormation endpoint configured as the SDK reads it (the local deploy) is answered, its origin only', () => {
    const local = 'http://127.0.0.1:4567/responses/token';
    expect(responseUrlProblem(local, lambda)).toMatch(/response bucket/);
    expect(responseUrlProblem(local, { AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:4567' })).toBeUndefined();
    expect(responseUrlProblem(local, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4567/' })).toBeUndefined();
    // the service's own variable wins over the general one, as in the SDK
    expect(
      responseUrlProblem(local, {
        AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:9999',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4567',
      }),
    ).toMatch(/response bucket/);
    expect(responseUrlProblem('http://127.0.0.1:4568/x', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4567' })).toMatch(
      /response bucket/,
    );
    // as the SDK: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns the variables off
    expect(
      responseUrlProblem(local, {
        AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:4567',
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
      }),
    ).toMatch(/response bucket/);
  });
});

describe('physical ids', () => {
  test('a success reports the physical id and attributes the lifecycle gave, for this request', () => {
    const event = createEvent();
    expect(successResponse(event, { PhysicalResourceId: 'env/u', Data: { UserId: 'u' } })).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'env/u',
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      Data: { UserId: 'u' },
    });
  });

  test('a failed Update or Delete keeps the resource physical id', () => {
    expect(failedResponse(updateEvent('env/u', properties(), properties()), 'no').PhysicalResourceId).toBe('env/u');
    expect(failedResponse(deleteEvent('env/u'), 'no')).toMatchObject({
      Status: 'FAILED',
      Reason: 'no',
      PhysicalResourceId: 'env/u',
    });
  });

  test('a failed Create reports an id the handler never issues, so its rollback Delete acts on nothing', () => {
    const response = failedResponse(createEvent(), 'no');
    expect(response.PhysicalResourceId).toBe(CREATE_FAILED_PHYSICAL_ID);
    expect(deleteTarget(response.PhysicalResourceId, properties({ RemovalPolicy: 'destroy' }))).toEqual({
      kind: 'not-issued',
    });
  });
});
