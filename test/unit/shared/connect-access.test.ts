import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { STAGE_ACCESS, type StageAccess } from '../../../contract/stage-access';
import { connectAccess } from '../../../lib/grants';

function someFunction(): lambda.Function {
  return new lambda.Function(new Stack(new App(), 'Test'), 'Fn', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {}'),
  });
}

const ingest = STAGE_ACCESS.ingest;

describe('connecting a stage refuses an access the stack cannot give', () => {
  it.each<[string, StageAccess]>([
    ['the landing bucket', ingest],
    ["the source database's secret", { ...ingest, storage: {} }],
    ['parameters', { ...ingest, storage: {}, databases: [] }],
  ])('names %s when the stack holds none', (what, access) => {
    expect(() => connectAccess(someFunction(), 'ingest stage', access, { buckets: {} })).toThrow(
      `The ingest stage's access names ${what}, which the stack did not give it`,
    );
  });
});
