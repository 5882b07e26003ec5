import { createRequire } from 'node:module';

/**
 * Loads a module when it is first needed rather than when its importer is: the command line
 * reads only the modules of the command it runs, and of the deployed path only with --env.
 * Through require(), as bin/deliverance.cjs has tsx compile the sources for it (Node's own
 * import() would bypass tsx and find no `.ts` file).
 *
 * @example
 * import type * as DeployedStackModule from './remote/deployed-stack';
 * const { openDeployedStack } = loadModule<typeof DeployedStackModule>(
 *   __filename,
 *   './remote/deployed-stack',
 * );
 */
export function loadModule<T>(importer: string, id: string): T {
  return createRequire(importer)(id) as T;
}
