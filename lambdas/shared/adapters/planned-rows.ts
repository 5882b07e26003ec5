import type { ClientBase } from 'pg';

/** What `EXPLAIN (FORMAT JSON)` answers, as far as the row estimate goes. */
type PlanOutput = readonly { readonly Plan?: { readonly 'Plan Rows'?: unknown } }[];

/**
 * The planner's estimate of the rows `select` returns: from the table's statistics and its size,
 * without running it. Undefined when the answer holds none.
 */
export async function plannedRows(client: ClientBase, select: string): Promise<number | undefined> {
  const { rows } = await client.query<{ 'QUERY PLAN': PlanOutput }>(
    `EXPLAIN (FORMAT JSON) ${select}`,
  );
  const estimate = rows[0]?.['QUERY PLAN'][0]?.Plan?.['Plan Rows'];
  return typeof estimate === 'number' && Number.isSafeInteger(estimate) ? estimate : undefined;
}
