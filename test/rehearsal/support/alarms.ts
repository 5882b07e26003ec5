import type { Authorizer } from './authorizer';
import { ACCOUNT, type Deployment } from './deployment';
import type { InvocationRecord } from './lambda-service';

/** One value of one metric, as CloudWatch would store it from an EMF line. */
export interface Datapoint {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The Embedded Metric Format documents a function printed, turned into data points. */
export function emittedMetrics(invocations: readonly InvocationRecord[]): Datapoint[] {
  const points: Datapoint[] = [];
  for (const line of invocations.flatMap((i) => [...i.stdout, ...i.stderr])) {
    const start = line.indexOf('{');
    if (start < 0 || !line.includes('"_aws"')) continue;
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(line.slice(start)) as Record<string, unknown>;
    } catch {
      continue;
    }
    const directives =
      (
        doc._aws as {
          CloudWatchMetrics?: {
            Namespace: string;
            Dimensions: string[][];
            Metrics: { Name: string }[];
          }[];
        }
      )?.CloudWatchMetrics ?? [];
    for (const directive of directives) {
      for (const set of directive.Dimensions) {
        const dimensions = Object.fromEntries(set.map((k) => [k, String(doc[k])]));
        for (const metric of directive.Metrics) {
          const raw = doc[metric.Name];
          for (const value of Array.isArray(raw) ? raw : [raw]) {
            points.push({
              namespace: directive.Namespace,
              name: metric.Name,
              dimensions,
              value: Number(value),
            });
          }
        }
      }
    }
  }
  return points;
}

export interface TemplateAlarm {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  readonly threshold: number;
  readonly comparison: string;
  readonly treatMissingData: string;
  readonly actions: readonly string[];
}

export function alarmsOf(deployment: Deployment): TemplateAlarm[] {
  return deployment.resourcesOf('AWS::CloudWatch::Alarm').map(([id, alarm]) => {
    const p = deployment.resolve(alarm.Properties ?? {}) as Record<string, unknown>;
    return {
      logicalId: id,
      name: deployment.ref(id),
      arn: deployment.attribute(id, 'Arn'),
      namespace: String(p.Namespace),
      metricName: String(p.MetricName),
      dimensions: Object.fromEntries(
        ((p.Dimensions as { Name: string; Value: string }[]) ?? []).map((d) => [d.Name, d.Value]),
      ),
      statistic: String(p.Statistic),
      threshold: Number(p.Threshold),
      comparison: String(p.ComparisonOperator),
      treatMissingData: String(p.TreatMissingData ?? 'missing'),
      actions: [...((p.AlarmActions as string[]) ?? []), ...((p.OKActions as string[]) ?? [])],
    };
  });
}

/** The data points an alarm watches: same namespace, name and exactly the same dimensions. */
export function watched(alarm: TemplateAlarm, points: readonly Datapoint[]): Datapoint[] {
  const same = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
    Object.keys(a).length === Object.keys(b).length &&
    Object.entries(a).every(([k, v]) => b[k] === v);
  return points.filter(
    (p) =>
      p.namespace === alarm.namespace &&
      p.name === alarm.metricName &&
      same(p.dimensions, alarm.dimensions),
  );
}

/**
 * The alarm's state after one period holding `points`: the statistic of the watched data points
 * against the threshold, or the template's rule for missing data when there are none.
 */
export function stateAfter(
  alarm: TemplateAlarm,
  points: readonly Datapoint[],
): 'ALARM' | 'OK' | 'INSUFFICIENT_DATA' {
  const values = watched(alarm, points).map((p) => p.value);
  if (values.length === 0) {
    if (alarm.treatMissingData === 'breaching') return 'ALARM';
    if (alarm.treatMissingData === 'notBreaching') return 'OK';
    return 'INSUFFICIENT_DATA';
  }
  const stat: Record<string, (v: number[]) => number> = {
    Sum: (v) => v.reduce((a, b) => a + b, 0),
    Maximum: (v) => Math.max(...v),
    Minimum: (v) => Math.min(...v),
    Average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
    SampleCount: (v) => v.length,
  };
  const compute = stat[alarm.statistic];
  if (!compute) throw new Error(`The rehearsal cannot compute ${alarm.statistic}`);
  const value = compute(values);
  const holds: Record<string, boolean> = {
    GreaterThanThreshold: value > alarm.threshold,
    GreaterThanOrEqualToThreshold: value >= alarm.threshold,
    LessThanThreshold: value < alarm.threshold,
    LessThanOrEqualToThreshold: value <= alarm.threshold,
  };
  return holds[alarm.comparison] ? 'ALARM' : 'OK';
}

/**
 * What happens when an alarm changes state: CloudWatch publishes to each action's topic as the
 * service, which the topic policy and the topic key's policy must both allow; SNS then mails
 * each e-mail subscription of the topic.
 */
export async function notify(
  deployment: Deployment,
  authorizer: Authorizer,
  alarm: TemplateAlarm,
): Promise<{ denied: string[]; mailedTo: string[] }> {
  const denied: string[] = [];
  const mailedTo: string[] = [];
  const context = {
    'aws:SourceArn': alarm.arn,
    'aws:SourceAccount': ACCOUNT,
    'aws:SecureTransport': 'true',
  };
  for (const topicArn of new Set(alarm.actions)) {
    const topicId = deployment.logicalIdOf(topicArn);
    if (!topicId) {
      denied.push(`${alarm.name}: action ${topicArn} is not a topic of the stack`);
      continue;
    }
    const checks = [{ action: 'sns:Publish', resource: topicArn }];
    const keyRef = deployment.resource(topicId).Properties?.KmsMasterKeyId;
    if (keyRef) {
      const keyArn = deployment.resolveString(keyRef);
      checks.push(
        { action: 'kms:GenerateDataKey', resource: keyArn },
        { action: 'kms:Decrypt', resource: keyArn },
      );
    }
    let allowed = true;
    for (const check of checks) {
      const decision = await authorizer.authorize({
        principal: 'cloudwatch.amazonaws.com',
        ...check,
        context,
      });
      if (!decision.allowed) {
        allowed = false;
        denied.push(decision.message);
      }
    }
    if (!allowed) continue;
    for (const [, subscription] of deployment.resourcesOf('AWS::SNS::Subscription')) {
      const p = deployment.resolve(subscription.Properties ?? {}) as Record<string, string>;
      if (p.TopicArn === topicArn && p.Protocol === 'email') mailedTo.push(p.Endpoint as string);
    }
  }
  return { denied, mailedTo };
}
