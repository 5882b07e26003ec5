import type { PipelineStatus } from './pipeline-status';

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What in a status needs the operator, one phrase each; empty when nothing does. `status`
 * exits 3 when there is any, so a script can gate on it as on `dbt source freshness`.
 *
 * @example
 * statusAttention(status) // ['staff paused', 'payment stopped by a schema change', '1 parked batch']
 */
export function statusAttention(status: PipelineStatus): string[] {
  const tables = Object.entries(status.tables);
  const paused = tables.filter(([, t]) => t.pause === 'paused').map(([name]) => name);
  const future = tables.filter(([, t]) => t.futureStamped !== null).map(([name]) => name);
  const stopped = tables.filter(([, t]) => t.schema === 'stopped').map(([name]) => name);
  const held = tables.flatMap(([name, t]) =>
    t.deletesHeld ? [`${name} (${count(t.deletesHeld.keys, 'key')})`] : [],
  );
  const setAside = status.runs.filter((r) => (r.stages.transform.setAside ?? 0) > 0);
  const deadLetters = (status.deadLetters ?? []).filter((q) => q.messages > 0);
  const alarms = (status.alarms ?? []).filter((a) => a.state === 'ALARM');
  return [
    ...(paused.length > 0 ? [`${paused.join(', ')} paused`] : []),
    ...(stopped.length > 0 ? [`${stopped.join(', ')} stopped by a schema change`] : []),
    ...(status.failures.length > 0 ? [count(status.failures.length, 'failure')] : []),
    ...(status.parked.length > 0
      ? [count(status.parked.length, 'parked batch', 'parked batches')]
      : []),
    ...(status.gaps.length > 0 ? [count(status.gaps.length, 'batch gap')] : []),
    ...(setAside.length > 0
      ? [`rows set aside in ${count(setAside.length, 'batch', 'batches')}`]
      : []),
    ...(future.length > 0 ? [`rows stamped in the future in ${future.join(', ')}`] : []),
    ...(held.length > 0
      ? [`deletes held by the guard in ${held.join(', ')}: deliverance deletes --table T --confirm`]
      : []),
    ...deadLetters.map((q) => `${count(q.messages, 'message')} in ${q.name}`),
    ...alarms.map((a) => `alarm ${a.name} in ALARM`),
  ];
}
