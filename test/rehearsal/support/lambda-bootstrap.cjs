'use strict';
// The child side of one rehearsed Lambda execution environment: loads the handler the template
// names from the task root, as the Node.js runtime does, and then, invocation after invocation,
// calls it with the event and a Lambda-shaped context and reports the outcome and the peak
// memory to the parent over IPC. The process lives on between invocations, as a warm sandbox
// does, so what the bundle keeps at module scope (clients, cached secrets) is reused.
const path = require('node:path');

/** Written to stdout and stderr after each invocation, so the parent knows its output is all in. */
const END = (requestId) => `--rehearsal end of ${requestId}--\n`;

let loaded;
function handlerOf(handlerName) {
  if (!loaded) {
    const dot = handlerName.lastIndexOf('.');
    const mod = require(path.join(process.env.LAMBDA_TASK_ROOT, handlerName.slice(0, dot)));
    const handler = mod[handlerName.slice(dot + 1)];
    if (typeof handler !== 'function') {
      throw Object.assign(new Error(`${handlerName} is undefined or not exported`), {
        name: 'Runtime.HandlerNotFound',
      });
    }
    loaded = handler;
  }
  return loaded;
}

process.on('message', async (invocation) => {
  const { event, context: fields, handler: handlerName, deadline } = invocation;
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
    const result = await handlerOf(handlerName)(event, context);
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
  // Lambda measures the whole sandbox over its life; this process's peak resident set is that.
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(END(fields.awsRequestId));
  process.stderr.write(END(fields.awsRequestId));
  process.send({ ...outcome, maxRssMb });
});
