import { REPLAYED_STAGES, type ReplayedStage } from '../../contract/operations';
import { redriveSummary } from '../command-summary';
import { Progress } from '../progress';
import { openDeployedStack } from '../remote/deployed-stack';
import { redriveDeadLetters } from '../remote/redrive';
import { UsageError } from '../settings';

/**
 * `deliverance redrive --env NAME [--stage transform|load] [--json]`: transform first, then
 * load. Exit 1 when a message failed again and stays in its queue.
 */
export async function redriveCommand(options: {
  env: string | undefined;
  stage?: ReplayedStage;
  json?: boolean;
}): Promise<number> {
  if (options.env === undefined) {
    throw new UsageError(
      'redrive needs --env NAME (or DELIVERANCE_ENV): dead-letter queues exist only in a deployed stack; locally, deliverance run catches up on failed batches',
    );
  }
  const stages = options.stage ? [options.stage] : REPLAYED_STAGES;
  const say = options.json ? () => undefined : (line: string) => console.log(line);
  const progress = new Progress('redrive');
  const stack = await openDeployedStack(options.env);
  try {
    let kept = 0;
    let redriven = 0;
    const queues = [];
    for (const stage of stages) {
      const report = await redriveDeadLetters(stack, stage, (line) => progress.print(line));
      kept += report.kept;
      redriven += report.redriven;
      queues.push({ stage, redriven: report.redriven, kept: report.kept });
      say(`${stage}: ${report.redriven} redriven and deleted, ${report.kept} kept in the queue`);
    }
    if (options.json) console.log(JSON.stringify({ environment: options.env, queues }, null, 2));
    if (kept > 0) {
      say(
        `Messages kept failed again: deliverance status --env ${options.env} shows why; fix it and redrive again once they are visible (after 16 minutes)`,
      );
    }
    progress.finish(redriveSummary(redriven, kept));
    return kept > 0 ? 1 : 0;
  } finally {
    progress.close();
    stack.close();
  }
}
