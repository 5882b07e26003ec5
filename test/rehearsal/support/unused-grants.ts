import { roleOf, type Authorizer } from './authorizer';

const matches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(
    action,
  );

/**
 * Per role, the actions its identity policies allow that no request of the rehearsals needed:
 * each is either a grant to trim or a path the scenarios do not cover. The rehearsals are of
 * one stack synthesized with different context, so a role has one ARN in all of them.
 */
export function unusedGrants(
  authorizers: readonly Authorizer[],
  roleArns: readonly string[],
): Record<string, string[]> {
  const report: Record<string, string[]> = {};
  for (const roleArn of roleArns) {
    const used = authorizers
      .flatMap((a) => a.decisions)
      .filter((d) => d.allowed && roleOf(d.principal) === roleArn)
      .map((d) => d.action);
    const granted = authorizers
      .flatMap((a) => a.identityPoliciesOf(roleArn))
      .flatMap((p) => p.policy.Statement)
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]) as string[]);
    report[roleArn.split('/').pop() as string] = [...new Set(granted)]
      .filter((pattern) => !used.some((action) => matches(pattern, action)))
      .sort();
  }
  return report;
}
