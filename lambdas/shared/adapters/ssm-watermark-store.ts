import type { SSMClient } from '@aws-sdk/client-ssm';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { WatermarkStore } from '../ports/watermark-store';

/**
 * Watermarks in SSM Parameter Store, one String parameter per table:
 * `<prefix>/watermarks/<table>` (for example `/deliverance/prod/watermarks/sales_order`).
 * One parameter per table lets tables advance independently (per-table schedules) and lets
 * IAM grant the ingest function exactly the parameters under its prefix.
 * Reads bypass the Powertools cache: a stale watermark would re-read or skip a window.
 */
export class SsmWatermarkStore implements WatermarkStore {
  private readonly provider: SSMProvider;

  constructor(
    private readonly prefix: string,
    client?: SSMClient,
  ) {
    this.provider = new SSMProvider(client ? { awsSdkV3Client: client } : {});
  }

  parameterName(table: string): string {
    return `${this.prefix.replace(/\/$/, '')}/watermarks/${table}`;
  }

  locate(table: string): string {
    return `the SSM parameter ${this.parameterName(table)}`;
  }

  async read(table: string): Promise<string | undefined> {
    try {
      return await this.provider.get(this.parameterName(table), { forceFetch: true });
    } catch (error) {
      if (isParameterNotFound(error)) return undefined;
      throw new Error(
        `Could not read the watermark of ${table} from SSM parameter ${this.parameterName(table)}: ${rootCause(error)}`,
        { cause: error },
      );
    }
  }

  async write(table: string, watermark: string): Promise<void> {
    try {
      await this.provider.set(this.parameterName(table), { value: watermark, overwrite: true });
    } catch (error) {
      throw new Error(
        `Could not write the watermark of ${table} to SSM parameter ${this.parameterName(table)}: ${rootCause(error)}`,
        { cause: error },
      );
    }
  }
}

function isParameterNotFound(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { name?: string }).name === 'ParameterNotFound') return true;
  }
  return false;
}

/** Powertools wraps SDK errors; the operator needs the SDK's own words (AccessDenied, …). */
function rootCause(error: unknown): string {
  let e = error as { message?: string; cause?: unknown };
  while (e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e.message ?? String(e);
}
