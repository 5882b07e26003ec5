import { REPLAYED_STAGES, type ReplayedStage } from '../../contract/operations';
import { redriveSummary } from '../command-summary';
import { Progress } from '../progress';
import { openDeployedStack } from '../remote/deployed-stack';
import { redriveDeadLetters } from '../remote/redrive';
import { UsageError } from '../settings';

/** `deliverance redrive --env NAME [--stage transform|load]`: transform first, then load. */
export async function redriveCommand(options: {
  env: string | undefined;
  stage: string | undefined;
}): Promise<number> {
  if (options.env === undefined) {
    throw new UsageError(
      'redrive needs --env NAME (or DELIVERANCE_ENV): dead-letter queues exist only in a deployed stack; locally, deliverance run catches up on failed batches',
    );
  }
  if (options.stage !== undefined && !REPLAYED_STAGES.includes(options.stage as ReplayedStage)) {
    throw new UsageError(
      `redrive --stage must be transform or load, not ${JSON.stringify(options.stage)} (an ingest tick is superseded by the next one: purge its queue instead)`,
    );
  }
  const stages = options.stage ? [options.stage as ReplayedStage] : REPLAYED_STAGES;
  const progress = new Progress('redrive');
  const stack = await openDeployedStack(options.env);
  try {
    let kept = 0;
    let redriven = 0;
    for (const stage of stages) {
      const report = await redriveDeadLetters(stack, stage, (line) => progress.print(line));
      kept += report.kept;
      redriven += report.redriven;
      console.log(
        `${stage}: ${report.redriven} redriven and deleted, ${report.kept} kept in the queue`,
      );
    }
    if (kept > 0) {
      console.log(
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
