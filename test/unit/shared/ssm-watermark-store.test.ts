import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SsmWatermarkStore } from '../../../lambdas/shared/adapters/ssm-watermark-store';
import { errorKind } from '../../../lambdas/shared/core/pipeline-error';
import type { PendingSchemaChange } from '../../../lambdas/shared/core/schema-changes';

const ssm = mockClient(SSMClient);
const store = () =>
  new SsmWatermarkStore('/deliverance/test', new SSMClient({ region: 'eu-west-2' }));

beforeEach(() => ssm.reset());

describe('SSM watermark store', () => {
  it('reads the table parameter under the prefix, bypassing any cache', async () => {
    ssm
      .on(GetParameterCommand, { Name: '/deliverance/test/watermarks/sales_order' })
      .resolvesOnce({ Parameter: { Value: '2026-01-01T00:00:00.000Z' } })
      .resolvesOnce({ Parameter: { Value: '2026-01-01T00:05:00.000Z' } });
    const watermarks = store();
    expect(await watermarks.read('sales_order')).toBe('2026-01-01T00:00:00.000Z');
    expect(await watermarks.read('sales_order')).toBe('2026-01-01T00:05:00.000Z');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('answers undefined on a first run, when the parameter does not exist', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    expect(await store().read('payment')).toBeUndefined();
  });

  it('writes with overwrite so the watermark can advance', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    await store().write('payment', '2026-01-01T00:00:00.000Z');
    const call = ssm.commandCalls(PutParameterCommand)[0];
    expect(call?.args[0].input).toMatchObject({
      Name: '/deliverance/test/watermarks/payment',
      Value: '2026-01-01T00:00:00.000Z',
      Overwrite: true,
      Type: 'String',
    });
  });

  it('surfaces other errors with the parameter name', async () => {
    ssm.on(GetParameterCommand).rejects(new Error('AccessDeniedException: not allowed'));
    await expect(store().read('staff')).rejects.toThrow(
      /watermark of staff from SSM parameter \/deliverance\/test\/watermarks\/staff: .*not allowed/,
    );
    ssm.on(PutParameterCommand).rejects(new Error('ThrottlingException'));
    await expect(store().write('staff', '2026-01-01T00:00:00.000Z')).rejects.toThrow(
      /write the watermark of staff .*Throttling/,
    );
  });

  it('retries a failed request: it is transient', async () => {
    ssm.on(GetParameterCommand).rejects(new Error('ThrottlingException'));
    const failure = await store()
      .read('staff')
      .catch((error: unknown) => error);
    expect(errorKind(failure)).toBe('transient');
  });

  it.each([
    ['not JSON', '[staff'],
    ['not a list of names', '{"staff": true}'],
  ])(
    'refuses paused tables that are %s as a configuration fault, naming the parameter',
    async (_, value) => {
      ssm
        .on(GetParameterCommand, { Name: '/deliverance/test/paused-tables' })
        .resolves({ Parameter: { Value: value } });
      const failure = await store()
        .paused()
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toMatch(
        /SSM parameter \/deliverance\/test\/paused-tables is not a JSON array of table names/,
      );
      expect(errorKind(failure)).toBe('fatal');
    },
  );

  it('keeps the pending schema changes in one parameter, none before the first, and refuses what is not them', async () => {
    const change = {
      table: 'payment',
      column: 'note',
      change: 'added',
      before: null,
      after: 'text',
      firstSeen: '2026-12-05T12:00:00.000Z',
      stops: false,
    } as const;
    const name = '/deliverance/test/schema-changes';
    ssm
      .on(GetParameterCommand, { Name: name })
      .rejectsOnce(new ParameterNotFound({ message: 'not found', $metadata: {} }))
      .resolvesOnce({ Parameter: { Value: JSON.stringify([change]) } })
      .resolvesOnce({ Parameter: { Value: JSON.stringify([{ ...change, stops: 'yes' }]) } });
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const watermarks = store();
    expect(await watermarks.schemaChanges()).toEqual([]);
    expect(await watermarks.schemaChanges()).toEqual([change]);
    await expect(watermarks.schemaChanges()).rejects.toThrow(
      `SSM parameter ${name} is not a JSON list of schema changes (one stops is not true or false): delete it`,
    );
    await watermarks.setSchemaChanges([change]);
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input).toMatchObject({
      Name: name,
      Value: JSON.stringify([change]),
      Overwrite: true,
    });
  });

  it('refuses schema changes or a deletes state past 4 KB before the write, naming the parameter and what to do', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const changes = Array.from({ length: 40 }, (_, i): PendingSchemaChange => ({
      table: 'payment',
      column: `note_${i}`,
      change: 'added',
      before: null,
      after: 'character varying(200)',
      firstSeen: '2026-12-05T12:00:00.000Z',
      stops: false,
    }));
    const refused = await store()
      .setSchemaChanges(changes)
      .catch((error: unknown) => error);
    expect(errorKind(refused)).toBe('fatal');
    expect((refused as Error).message).toMatch(
      /^SSM parameter \/deliverance\/test\/schema-changes would hold \d+ bytes, more than the 4096 .*: the ingest writes only the schema changes that fit, so this is a bug/,
    );
    const state = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [
        `table_${i}`,
        { reconciledAt: new Date(0).toISOString() },
      ]),
    );
    await expect(store().setDeletesState(state)).rejects.toThrow(
      /^SSM parameter \/deliverance\/test\/deletes would hold \d+ bytes.*: delete it, and every table is reconciled again/,
    );
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    await store().setDeletesState({ payment: { reconciledAt: new Date(0).toISOString() } });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(1);
  });
});
