// Where FinSpace Data API requests go, by the AWS SDK's rules for a service
// whose SDK id is "finspace data": a service-specific endpoint variable, then
// the global one, then the regional default.

export const ENDPOINT_ENV = 'AWS_ENDPOINT_URL_FINSPACE_DATA';
export const GLOBAL_ENDPOINT_ENV = 'AWS_ENDPOINT_URL';
export const IGNORE_ENDPOINTS_ENV = 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS';

export function resolveFinspaceEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): URL {
  const configured = env[IGNORE_ENDPOINTS_ENV] === 'true' ? undefined : env[ENDPOINT_ENV] || env[GLOBAL_ENDPOINT_ENV];
  return new URL(configured ?? `https://finspace-api.${region}.amazonaws.com`);
}
