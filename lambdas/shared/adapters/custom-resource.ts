/**
 * The request CloudFormation sends the function behind a custom resource, and the answer it waits
 * for at the request's pre-signed URL (AWS CloudFormation User Guide, "Custom resources").
 */
import { TransientError } from '../core/pipeline-error';

export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  /** Pre-signed S3 URL the answer is PUT to; CloudFormation waits for it. */
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  /** What an earlier answer named the resource; absent on Create. */
  readonly PhysicalResourceId?: string;
  readonly ResourceType: string;
  readonly ResourceProperties: Readonly<Record<string, unknown>>;
  readonly OldResourceProperties?: Readonly<Record<string, unknown>>;
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  /** Shown in the stack's events; one line, see {@link failed}. */
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>>;
}

/** Room for a reason in CloudFormation's 4 KB answer, with the rest of the answer beside it. */
const REASON_LIMIT = 1000;

/** The answer to `event` that the resource `physicalResourceId` is as asked. */
export function succeeded(
  event: CustomResourceEvent,
  physicalResourceId: string,
  data?: Readonly<Record<string, string>>,
): CustomResourceResponse {
  return {
    Status: 'SUCCESS',
    ...identity(event, physicalResourceId),
    ...(data ? { Data: data } : {}),
  };
}

/**
 * The answer that `event` failed for `reason`, which the stack's events show as one line: its
 * whitespace collapsed, and cut to fit the answer.
 */
export function failed(
  event: CustomResourceEvent,
  physicalResourceId: string,
  reason: string,
): CustomResourceResponse {
  const line = reason.replace(/\s+/g, ' ').trim();
  return {
    Status: 'FAILED',
    Reason: line.length > REASON_LIMIT ? `${line.slice(0, REASON_LIMIT - 1)}…` : line,
    ...identity(event, physicalResourceId),
  };
}

function identity(event: CustomResourceEvent, physicalResourceId: string) {
  return {
    PhysicalResourceId: physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
}

/**
 * PUTs `response` to the request's pre-signed URL. The URL is signed without a content type, so
 * none is sent (an empty one, as AWS's own cfn-response does).
 *
 * @throws when the URL answers other than 2xx: the invocation fails, and Lambda's retry of the
 *   event answers again.
 */
export async function sendCustomResourceResponse(
  event: CustomResourceEvent,
  response: CustomResourceResponse,
): Promise<void> {
  const answer = await fetch(event.ResponseURL, {
    method: 'PUT',
    headers: { 'content-type': '' },
    body: JSON.stringify(response),
  });
  if (!answer.ok) {
    // The URL's query is its signature: only where it points is named.
    const { origin, pathname } = new URL(event.ResponseURL);
    throw new TransientError(
      `CloudFormation's response URL ${origin}${pathname} answered ${answer.status} to the ${event.RequestType} answer of ${event.LogicalResourceId}`,
    );
  }
}
