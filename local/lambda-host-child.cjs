// One warm "Lambda instance": loads the bundled handler once and runs the
// events its parent sends, one at a time, with a Lambda-like context.
'use strict';
const { randomUUID } = require('node:crypto');

const handler = require(process.env.FINSPACE_LOCAL_HANDLER_ASSET).handler;

process.on('message', (message) => {
  const { id, event, deadline } = message;
  const context = {
    awsRequestId: randomUUID(),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  Promise.resolve()
    .then(() => handler(event, context))
    .then(
      (result) => process.send({ id, ok: true, result }),
      (error) => process.send({ id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
});
process.send({ ready: true });
