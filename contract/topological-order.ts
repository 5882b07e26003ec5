/**
 * `names` ordered so that every name comes after the names it depends on; among names free to
 * go next, the one listed first goes first, so an order the list already respects is kept.
 *
 * @throws {Error} when a name depends on one not in `names`, or the dependencies form a cycle.
 * @example
 * topologicalOrder(['staff', 'department'], (n) => (n === 'staff' ? ['department'] : []));
 * // → ['department', 'staff']
 */
export function topologicalOrder<T extends string>(
  names: readonly T[],
  dependsOn: (name: T) => readonly string[],
): T[] {
  const known = new Set<string>(names);
  for (const name of names) {
    const unknown = dependsOn(name).filter((d) => !known.has(d));
    if (unknown.length > 0) throw new Error(`${name} refers to unknown ${unknown.join(', ')}`);
  }
  const ordered: T[] = [];
  const placed = new Set<string>();
  while (ordered.length < names.length) {
    const next = names.find(
      (name) => !placed.has(name) && dependsOn(name).every((d) => d === name || placed.has(d)),
    );
    if (next === undefined) {
      const rest = names.filter((name) => !placed.has(name));
      throw new Error(`Foreign keys form a cycle among ${rest.join(', ')}`);
    }
    ordered.push(next);
    placed.add(next);
  }
  return ordered;
}
