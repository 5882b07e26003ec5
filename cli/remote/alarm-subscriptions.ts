import { fail, ok, skip, type DoctorCheck } from '../doctor/doctor-check';

/** One subscription of the alarm topic, as SNS ListSubscriptionsByTopic lists it. */
export interface AlarmSubscription {
  readonly protocol: string;
  readonly endpoint: string;
  /** SNS gives an unconfirmed subscription the ARN `PendingConfirmation`: it receives nothing. */
  readonly subscriptionArn: string;
}

/** Lists every subscription of a topic, all pages. */
export type ListAlarmSubscriptions = (topicArn: string) => Promise<readonly AlarmSubscription[]>;

/**
 * Every admin's subscription confirmed: an e-mail subscription reaches its address only once
 * its owner clicked "Confirm subscription", and a topic without one alarms nobody.
 */
export function subscriptionsCheck(
  topicArn: string | undefined,
  list: ListAlarmSubscriptions,
): DoctorCheck {
  return {
    name: 'alarm subscriptions',
    async run() {
      if (topicArn === undefined) {
        return skip(
          'not checked: the stack does not publish its alarm topic (deployed before doctor)',
        );
      }
      const subscriptions = await list(topicArn);
      if (subscriptions.length === 0) {
        return fail(
          'the alarm topic has no subscription: no alarm reaches anyone',
          'set deliverance:adminEmails and deploy (docs/deploy.md, step 3)',
        );
      }
      const pending = subscriptions.filter((s) => !s.subscriptionArn.startsWith('arn:'));
      if (pending.length > 0) {
        return fail(
          `${pending.map((s) => s.endpoint).join(', ')} never confirmed: no alarm reaches ${pending.length === 1 ? 'it' : 'them'}`,
          'each owner clicks "Confirm subscription" in the "AWS Notification - Subscription Confirmation" e-mail (lost: remove the address from deliverance:adminEmails, deploy, add it back, deploy)',
        );
      }
      return ok(
        `${subscriptions.length} confirmed: ${subscriptions.map((s) => s.endpoint).join(', ')}`,
      );
    },
  };
}
