/** The variables that say where a stack goes, as the CDK CLI and the AWS SDK read them. */
export type RegionVariables = Readonly<
  Partial<Record<'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'CDK_DEFAULT_REGION', string>>
>;

/**
 * What synth says about the region when nobody chose it. The CDK CLI hands the app its own
 * region as CDK_DEFAULT_REGION, and that is us-east-1 when neither AWS_REGION nor the profile
 * names one, with no more than a debug line: a first deploy can land in a region nobody meant.
 *
 * @returns `undefined` when AWS_REGION (or AWS_DEFAULT_REGION) chose the region
 * @example
 * const notice = regionNotice(process.env);
 * if (notice) Annotations.of(stack).addWarningV2('deliverance:region', notice);
 */
export function regionNotice(env: RegionVariables): string | undefined {
  if (env.AWS_REGION || env.AWS_DEFAULT_REGION) return undefined;
  const region = env.CDK_DEFAULT_REGION;
  return region
    ? `No AWS_REGION is set: this stack deploys to ${region}, the CDK CLI's region (the AWS profile's, or us-east-1 when the profile names none). Set AWS_REGION to choose.`
    : "No region is set (AWS_REGION, CDK_DEFAULT_REGION): this stack is environment-agnostic and goes to the region of the cdk deploy that ships it (AWS_REGION, else the AWS profile's, else us-east-1).";
}
