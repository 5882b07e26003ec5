#!/usr/bin/env node
// `npm run bench -- --scale N`: runs the TypeScript benchmark through tsx, like bin/deliverance.cjs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../bench/main.ts');
