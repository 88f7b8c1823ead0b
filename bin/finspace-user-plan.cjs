#!/usr/bin/env node
// `npx finspace-user-plan`: runs the plan CLI (TypeScript) through tsx, from the caller's CDK app directory.
'use strict';
require('tsx/cjs');
const { runPlan } = require('../plan/cli.ts');
runPlan(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
