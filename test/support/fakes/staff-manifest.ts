import { processedKey } from '../../../lambdas/shared/core/batch';
import type { ProcessedManifest } from '../../../lambdas/shared/core/manifest';

/**
 * A processed manifest of `rows` dim_staff rows from `landedRows` staff rows landed (by default
 * the same, so it reconciles), complete up to `completeUpTo`; `change` overrides any field.
 */
export function staffManifest(
  batchId: string,
  options: { rows?: number; landedRows?: number; completeUpTo?: string | null } = {},
  change: Partial<ProcessedManifest> = {},
): ProcessedManifest {
  const rows = options.rows ?? 1;
  const completeUpTo = options.completeUpTo ?? null;
  return {
    kind: 'processed',
    version: 1,
    batchId,
    startedAt: '2026-11-23T04:34:53.000Z',
    finishedAt: '2026-11-23T04:34:54.000Z',
    sourceRows: { staff: rows },
    tables: [{ table: 'dim_staff', key: processedKey('dim_staff', batchId), rows }],
    newestSourceChange: null,
    completeUpTo,
    quarantined: [],
    landed: {
      startedAt: '2026-11-23T04:30:00.000Z',
      tables: [
        {
          table: 'staff',
          rows: options.landedRows ?? rows,
          from: null,
          to: completeUpTo ?? '2026-11-23T04:30:00.000Z',
        },
      ],
    },
    ...change,
  };
}
