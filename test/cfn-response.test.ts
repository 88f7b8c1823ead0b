// The answer to CloudFormation (lambda/cfn-response.ts): which ResponseURLs
// the handler PUTs to, and the physical id each outcome reports.
import { CREATE_FAILED_PHYSICAL_ID, failedResponse, responseUrlProblem, successResponse } from '../lambda/cfn-response';
import { deleteTarget } from '../lambda/delete-target';
import { createEvent, deleteEvent, properties, updateEvent } from './support/events';

describe('ResponseURL', () => {
  test.each([
    'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/arn%3Aaws/x?X-Amz-Signature=abc',
    'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/x',
    'https://s3.amazonaws.com/bucket/key',
  ])('an HTTPS URL of AWS is answered: %s', (url) => {
    expect(responseUrlProblem(url, {})).toBeUndefined();
  });

  test.each([
    ['http://bucket.s3.amazonaws.com/key', /not on an AWS host \(http:\/\/bucket\.s3\.amazonaws\.com\)/],
    ['https://s3.amazonaws.com.example.net/key', /not on an AWS host/],
    ['https://evilamazonaws.com/key', /not on an AWS host/],
    ['https://bucket.s3.amazonaws.com:8443/key', /not on an AWS host/],
    ['https://169.254.169.254/latest/meta-data/', /not on an AWS host/],
    ['https://user:secret@bucket.s3.amazonaws.com/key', /carries credentials/],
    ['not a url', /is not a URL/],
    ['', /has no ResponseURL/],
    [undefined, /has no ResponseURL/],
    [42, /has no ResponseURL/],
  ])('%s is refused', (url, problem) => {
    expect(responseUrlProblem(url, {})).toMatch(problem);
  });

  test('the CloudFormation endpoint configured as the SDK reads it (the local deploy) is answered, its origin only', () => {
    const local = 'http://127.0.0.1:4567/responses/token';
    expect(responseUrlProblem(local, {})).toMatch(/not on an AWS host/);
    expect(responseUrlProblem(local, { AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:4567' })).toBeUndefined();
    expect(responseUrlProblem(local, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4567/' })).toBeUndefined();
    // the service's own variable wins over the general one, as in the SDK
    expect(
      responseUrlProblem(local, {
        AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:9999',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4567',
      }),
    ).toMatch(/not on an AWS host/);
    expect(responseUrlProblem('http://127.0.0.1:4568/x', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4567' })).toMatch(
      /not on an AWS host/,
    );
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
