import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface StorageProps {
  /**
   * What happens to the buckets and their key when the stack is deleted.
   * `DESTROY` also empties the buckets first, so a dev stack can be torn down in one command.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days after which landing objects move to S3 Standard-IA: old batches are read again only
   * for a replay or a rebuild.
   * @default 30
   */
  readonly landingTransitionDays?: number;
}

/** The landing and processed buckets, their KMS key and the access-log bucket. */
export class Storage extends Construct {
  /** Customer-managed key of both data buckets, so access to the data is auditable per use. */
  public readonly key: kms.Key;
  /** JSON lines from ingest: versioned, because it is the full-history replica of totesys. */
  public readonly landing: s3.Bucket;
  /** Parquet shaped like the warehouse tables, plus the transform's snapshot state. */
  public readonly processed: s3.Bucket;
  /** S3 server access logs of both data buckets. */
  public readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    // Log delivery is granted by bucket policy, not by the legacy ACL that would need
    // ObjectWriter ownership; set here so the choice does not depend on cdk.json flags.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;
    const abortUploads: s3.LifecycleRule = {
      id: 'abort-incomplete-multipart-uploads',
      abortIncompleteMultipartUploadAfter: Duration.days(7),
    };

    this.key = new kms.Key(this, 'Key', {
      description: 'Deliverance landing and processed data',
      enableKeyRotation: true,
      removalPolicy,
    });

    // Access logs cannot be delivered to a bucket encrypted with a customer-managed KMS key.
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }, abortUploads],
      removalPolicy,
      autoDeleteObjects,
    });
    acknowledge(
      this.accessLogs,
      'This is the server access log bucket itself; logging it into itself would loop.',
      ['AwsSolutions-S1'],
    );

    const dataBucket = (bucketId: string, extra: Partial<s3.BucketProps>): s3.Bucket =>
      new s3.Bucket(this, bucketId, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        // A bucket key cuts KMS requests (and cost) per object by orders of magnitude.
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${bucketId.toLowerCase()}/`,
        removalPolicy,
        autoDeleteObjects,
        ...extra,
      });

    this.landing = dataBucket('Landing', {
      versioned: true,
      lifecycleRules: [
        {
          id: 'landing-to-infrequent-access',
          transitions: [
            {
              storageClass: s3.StorageClass.INFREQUENT_ACCESS,
              transitionAfter: Duration.days(props.landingTransitionDays ?? 30),
            },
          ],
          // Versions replaced or deleted by mistake stay recoverable, just cheaper.
          noncurrentVersionTransitions: [
            {
              storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(30),
            },
          ],
        },
        abortUploads,
      ],
    });

    // Processed objects can be rebuilt from landing, so they need no version history.
    this.processed = dataBucket('Processed', { lifecycleRules: [abortUploads] });
  }
}
