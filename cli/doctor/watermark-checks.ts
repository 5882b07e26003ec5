import { SOURCE_TABLE_NAMES } from '../../contract/source-catalogue';
import { readWatermark } from '../../lambdas/ingest/window';
import type { WatermarkStore } from '../../lambdas/shared/ports/watermark-store';
import { fail, ok, type DoctorCheck } from './doctor-check';

/**
 * Every source table's watermark readable and one this release writes (a timestamp, or a
 * backfill in progress), and the paused tables readable: what ingest would refuse, found first.
 */
export function watermarkCheck(store: WatermarkStore): DoctorCheck {
  return {
    name: 'watermarks',
    async run() {
      const bad: string[] = [];
      let read = 0;
      for (const table of SOURCE_TABLE_NAMES) {
        const text = await store.read(table);
        if (text === undefined) continue;
        if (readWatermark(text) === undefined) bad.push(table);
        else read += 1;
      }
      const [first] = bad;
      if (first !== undefined) {
        return fail(
          `${bad.join(', ')}: not a timestamp, ingest refuses ${bad.length === 1 ? 'it' : 'them'} (${store.locate(first)})`,
          `set it to the last time the table was read completely ('YYYY-MM-DDTHH:MM:SS.ffffffZ'), or delete it to re-read the table; docs/operations.md, "A watermark is refused"`,
        );
      }
      const paused = await store.paused();
      const unread = SOURCE_TABLE_NAMES.length - read;
      return ok(
        [
          `${read} of ${SOURCE_TABLE_NAMES.length} tables read through a watermark`,
          ...(unread > 0 ? [`${unread} not read yet`] : []),
          ...(paused.length > 0 ? [`paused: ${paused.join(', ')}`] : []),
        ].join(', '),
      );
    },
  };
}
