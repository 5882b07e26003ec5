import { schemaChangeText } from '../../lambdas/shared/core/schema-changes';
import type { WatermarkStore } from '../../lambdas/shared/ports/watermark-store';
import { fail, ok, type DoctorCheck } from './doctor-check';

/**
 * The schema changes the last ingest of each table found (lambdas/ingest/schema-policy.ts): one
 * that stops its table fails the check; those kept (new columns in landing, columns resized within
 * what the warehouse holds) are listed, not failed.
 */
export function schemaChangeCheck(store: WatermarkStore): DoctorCheck {
  return {
    name: 'schema changes',
    async run() {
      const changes = await store.schemaChanges();
      const stopping = changes.filter((c) => c.stops);
      if (stopping.length > 0) {
        return fail(
          stopping.map(schemaChangeText).join('; '),
          'restore the column in the source, or take the change into the catalogue and the warehouse (docs/extending.md, "A source column that reaches the warehouse"); the next run catches the table up',
        );
      }
      return ok(
        changes.length === 0
          ? 'the source columns agree with the catalogue'
          : `${changes.map(schemaChangeText).join('; ')} (docs/extending.md)`,
      );
    },
  };
}
