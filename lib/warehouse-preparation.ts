import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { WAREHOUSE_PREPARATION_ACCESS } from '../contract/stage-access';
import { connectAccess, type DatabaseConnection } from './grants';
import { givesAnalystSecret, LOAD_BUNDLE, LOAD_SQL_FOLDERS } from './loading';
import { PipelineFunction, PROJECT_ROOT, type StageFunctionOptions } from './pipeline-function';

export interface WarehousePreparationProps extends StageFunctionOptions {
  /** Connection to the warehouse, as the load's: a user that may create schemas and roles. */
  readonly warehouse: DatabaseConnection;
  /**
   * With QuickSight: the secret whose password the analyst role gets, with LOGIN.
   * @default - the analyst role is left without LOGIN
   */
  readonly analystSecret?: secretsmanager.ISecret;
}

/** Lambda's retries of an event whose answer could not be sent (see `prepareHandler`). */
const RETRY_ATTEMPTS = 2;

/**
 * The warehouse schema as a resource of the stack: on Create and Update, CloudFormation has a
 * second handler of the load's bundle (`prepareHandler`) apply the load's migrations and views
 * and, with an analyst secret, give the analyst role its login. What reads the warehouse at
 * deploy time (the QuickSight data source) depends on {@link schema}, so it is created against a
 * prepared warehouse, and a warehouse the deploy cannot reach or migrate fails the deploy with
 * the reason. Delete does nothing: the warehouse's data outlives the stack.
 *
 * A plain custom resource, with the function as its service token, rather than CDK's Provider:
 * the function's own answer carries a one-line reason (the Provider's carries a stack trace),
 * and no framework function of CDK's runtime and role joins the stack.
 */
export class WarehousePreparation extends Construct {
  public readonly stage: PipelineFunction;
  /** The prepared schema: what needs the migrations or the analyst login depends on it. */
  public readonly schema: CustomResource;

  constructor(scope: Construct, id: string, props: WarehousePreparationProps) {
    super(scope, id);
    // Long enough for every attempt Lambda makes and the minutes it waits between them; a
    // response still missing then fails the deploy instead of holding it for CloudFormation's hour.
    const timeout = Duration.seconds(
      Math.min(3600, (RETRY_ATTEMPTS + 1) * props.size.timeout.toSeconds() + 180),
    );

    this.stage = new PipelineFunction(this, 'Prepare', {
      ...props,
      ...LOAD_BUNDLE,
      stage: 'load',
      service: 'warehouse-preparation',
      handler: 'prepareHandler',
      // One deploy prepares one warehouse; the migration lock would serialise a second anyway.
      reservedConcurrentExecutions: 1,
      retryAttempts: RETRY_ATTEMPTS,
      maxEventAge: timeout,
    });
    const fn = this.stage.function;
    connectAccess(fn, 'warehouse preparation', WAREHOUSE_PREPARATION_ACCESS, {
      buckets: {},
      databases: { warehouse: props.warehouse },
    });
    if (props.analystSecret) givesAnalystSecret(fn, props.analystSecret);

    this.schema = new CustomResource(this, 'Schema', {
      serviceToken: fn.functionArn,
      resourceType: 'Custom::WarehouseSchema',
      serviceTimeout: timeout,
      // A change to any of these is an Update, which prepares the warehouse again.
      properties: {
        Sql: sqlDigest(),
        WarehouseSecret: props.warehouse.secret.secretFullArn ?? props.warehouse.secret.secretName,
        ...(props.warehouse.endpoint ? { WarehouseEndpoint: props.warehouse.endpoint } : {}),
        ...(props.analystSecret ? { AnalystSecret: props.analystSecret.secretArn } : {}),
      },
    });
  }
}

/** A digest of every file the load's bundle carries under sql/, by path and content. */
export function sqlDigest(root: string = PROJECT_ROOT): string {
  const hash = createHash('sha256');
  for (const folder of LOAD_SQL_FOLDERS) {
    for (const file of readdirSync(path.join(root, folder)).sort()) {
      hash.update(`${folder}/${file}\0`).update(readFileSync(path.join(root, folder, file)));
    }
  }
  return hash.digest('hex');
}
