import { seedTotesys } from '../../local/seed/seed-totesys';
import { compareWithReference } from '../integration/support/reference';
import { synthesize } from '../infra/support/synth';
import { readTemplate, startRehearsal, type Rehearsal } from './support/rehearsal';

let rehearsal: Rehearsal;

beforeAll(async () => {
  const { outdir, stack } = synthesize(
    { 'deliverance:adminEmails': ['ops@example.com'] },
    { bundle: true },
  );
  rehearsal = await startRehearsal({
    template: readTemplate(outdir, stack.stackName),
    outdir,
    stackName: stack.stackName,
  });
  await seedTotesys(rehearsal.postgres.url('totesys'), { scale: 0.05 });
}, 300_000);
afterAll(() => rehearsal?.stop());

describe('the synthesized stack, rehearsed', () => {
  it('loads the warehouse from a first schedule tick', async () => {
    await rehearsal.tick();
    const failed = rehearsal.lambda.invocations.filter((i) => !i.ok);
    console.log(
      JSON.stringify(
        failed.map((f) => ({
          fn: f.function,
          e: f.error,
          out: f.stdout.slice(-5),
          err: f.stderr.slice(-5),
        })),
        null,
        2,
      ),
    );
    console.log(rehearsal.gateway.denials, rehearsal.lambda.problems, rehearsal.node);
    expect(failed).toEqual([]);
    expect(await compareWithReference(rehearsal.source, rehearsal.warehouse)).toEqual([]);
  });
});
