'use strict';
// The child side of one rehearsed Lambda invocation: loads the handler the template names from
// the task root, as the Node.js runtime does, calls it once with the event and a Lambda-shaped
// context, and reports the outcome and the peak memory to the parent over IPC.
const path = require('node:path');

process.once('message', async (invocation) => {
  const { event, context: fields, handler: handlerName, deadline } = invocation;
  const dot = handlerName.lastIndexOf('.');
  const file = path.join(process.env.LAMBDA_TASK_ROOT, handlerName.slice(0, dot));
  const context = {
    ...fields,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    succeed() {},
    fail() {},
  };
  let outcome;
  try {
    const mod = require(file);
    const handler = mod[handlerName.slice(dot + 1)];
    if (typeof handler !== 'function') {
      throw Object.assign(new Error(`${handlerName} is undefined or not exported`), {
        name: 'Runtime.HandlerNotFound',
      });
    }
    const result = await handler(event, context);
    outcome = {
      ok: true,
      result: result === undefined ? null : JSON.parse(JSON.stringify(result)),
    };
  } catch (error) {
    outcome = {
      ok: false,
      error: {
        errorType: (error && error.name) || 'Error',
        errorMessage: (error && error.message) || String(error),
        trace: String((error && error.stack) || '').split('\n'),
      },
    };
  }
  // Lambda measures the whole sandbox; resident set size is this process's share of it.
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.send({ ...outcome, maxRssMb }, () => process.exit(0));
});
