#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { FinspaceUsersStack } from './example-stack';

const app = new App();
new FinspaceUsersStack(app, 'FinspaceUsers', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
