#!/usr/bin/env node
// The `deliverance` command runs its TypeScript sources directly through tsx, so a fresh
// clone needs no build step: `npm install` then `npx deliverance …`.
// Lambda runs Node.js 22; a developer's Node.js 20 is supported here, so the SDK's notice
// that future releases need 22 is noise on every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../cli/main.ts');
