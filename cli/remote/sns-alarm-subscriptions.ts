import { paginateListSubscriptionsByTopic, type SNSClient } from '@aws-sdk/client-sns';
import type { AlarmSubscription, ListAlarmSubscriptions } from './alarm-subscriptions';

/**
 * The alarm topic's subscriptions as SNS lists them, every page (`sns:ListSubscriptionsByTopic`
 * on the topic, which the operator policy grants).
 *
 * @example
 * const list = snsAlarmSubscriptions(stack.clients.sns);
 * const pending = (await list(topicArn)).filter((s) => s.subscriptionArn === 'PendingConfirmation');
 */
export function snsAlarmSubscriptions(client: SNSClient): ListAlarmSubscriptions {
  return async (topicArn) => {
    const subscriptions: AlarmSubscription[] = [];
    for await (const page of paginateListSubscriptionsByTopic({ client }, { TopicArn: topicArn })) {
      for (const s of page.Subscriptions ?? []) {
        subscriptions.push({
          protocol: s.Protocol ?? '',
          endpoint: s.Endpoint ?? '',
          subscriptionArn: s.SubscriptionArn ?? '',
        });
      }
    }
    return subscriptions;
  };
}
