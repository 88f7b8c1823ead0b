'use strict';
// `node bench/synth-child.cjs <variant> <users> <outdir>`: one `cdk synth` in this fresh process.
// Loads what the app's imports load (aws-cdk-lib, and the compiled construct library or
// aws-cdk-lib/custom-resources), then constructs and synthesizes. Prints {"loadMs","synthMs"}.
const started = process.hrtime.bigint();
const [variant, users, outdir] = process.argv.slice(2);
const { synthesizeBench } = require('./synth-stack.cjs');
const library = variant === 'FinspaceUser' ? require('../dist/lib') : undefined;
if (variant === 'AwsCustomResource') require('aws-cdk-lib/custom-resources');
const loaded = process.hrtime.bigint();
synthesizeBench(variant, Number(users), library, outdir);
const done = process.hrtime.bigint();
process.stdout.write(
  `${JSON.stringify({ loadMs: Number(loaded - started) / 1e6, synthMs: Number(done - loaded) / 1e6 })}\n`,
);
