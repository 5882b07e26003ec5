import { DAY_MS, REFERENCE_CREATED_MS, compactDate, formatTimestamp } from './clock';
import {
  COMPANY_SUFFIXES,
  COMPANY_TRADES,
  COMPANY_WORDS,
  CURRENCY_CODES,
  DEPARTMENTS,
  DESIGN_FOLDERS,
  DESIGN_WORDS,
  EMAIL_DOMAIN,
  FIRST_NAMES,
  LAST_NAMES,
  PAYMENT_TYPE_NAMES,
} from './names';
import { COUNTRIES, SECOND_LINES, STREET_KINDS, STREET_NAMES, type CountrySeed } from './places';
import type { SeedPlan } from './plan';
import { Random, streamSeed } from './prng';
import { SEED, type SeedRow } from './row';
import { ClusteredClock, laterEdit } from './stamps';

/** The small tables every order points at, plus the id lists the order generator draws from. */
export interface ReferenceData {
  readonly address: readonly SeedRow[];
  readonly counterparty: readonly SeedRow[];
  readonly currency: readonly SeedRow[];
  readonly department: readonly SeedRow[];
  readonly design: readonly SeedRow[];
  readonly payment_type: readonly SeedRow[];
  readonly staff: readonly SeedRow[];
  /** Staff who take sales orders (the Sales department, or everyone if it has nobody). */
  readonly salesStaffIds: readonly number[];
  readonly purchasingStaffIds: readonly number[];
  readonly counterpartyAccounts: readonly number[];
}

const SALES_DEPARTMENT_ID = 1;
const PURCHASING_DEPARTMENT_ID = 2;
/** Sales and Purchasing have most of the people; the rest split what is left. */
const STAFF_DEPARTMENT_WEIGHTS = [6, 3, 2, 2, 1, 1, 1, 1] as const;
const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Reference tables are created in the days before trading starts, a cluster at a time. */
function referenceClock(rng: Random, count: number, table: number): ClusteredClock {
  const start = REFERENCE_CREATED_MS + table * 3_600_000;
  return new ClusteredClock(rng, count, start, start + 30 * 60_000);
}

function audit(rng: Random, createdMs: number): { created_at: string; last_updated: string } {
  return {
    created_at: formatTimestamp(createdMs),
    last_updated: formatTimestamp(laterEdit(rng, createdMs)),
  };
}

function fillPattern(rng: Random, pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '#') out += rng.letters(1, DIGITS);
    else if (ch === 'A') out += rng.letters(1, UPPER);
    else out += ch;
  }
  return out;
}

function addresses(plan: SeedPlan): SeedRow[] {
  const rng = new Random(streamSeed(SEED, 'address'));
  const clock = referenceClock(rng, plan.addresses, 0);
  const rows: SeedRow[] = [];
  for (let i = 0; i < plan.addresses; i++) {
    // Cycle through every country first so even a small seed is international.
    const place: CountrySeed =
      i < COUNTRIES.length ? (COUNTRIES[i] as CountrySeed) : rng.skewed(COUNTRIES, 1.6);
    rows.push({
      address_id: i + 1,
      address_line_1: `${rng.int(1, 9999)} ${rng.pick(STREET_NAMES)} ${rng.pick(STREET_KINDS)}`,
      address_line_2: rng.chance(0.4) ? null : `${rng.pick(SECOND_LINES)} ${rng.int(1, 60)}`,
      district: rng.chance(0.4) ? null : rng.pick(place.districts),
      city: rng.pick(place.cities),
      postal_code: fillPattern(rng, place.postcode),
      country: place.country,
      phone: fillPattern(rng, place.phone),
      ...audit(rng, clock.at(i)),
    });
  }
  return rows;
}

function companyName(rng: Random): string {
  const last = () => rng.pick(LAST_NAMES);
  switch (rng.int(0, 3)) {
    case 0:
      return `${last()}, ${last()} and ${last()}`;
    case 1:
      return `${last()} ${rng.pick(COMPANY_SUFFIXES)}`;
    case 2:
      return `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_TRADES)} ${rng.pick(COMPANY_SUFFIXES)}`;
    default:
      return `${last()} ${rng.pick(COMPANY_TRADES)}`;
  }
}

function personName(rng: Random): string {
  return `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
}

function counterparties(plan: SeedPlan): { rows: SeedRow[]; accounts: number[] } {
  const rng = new Random(streamSeed(SEED, 'counterparty'));
  const clock = referenceClock(rng, plan.counterparties, 1);
  // A shuffled list of addresses, so each counterparty gets its own legal address when there
  // are enough to go round.
  const addressIds = Array.from({ length: plan.addresses }, (_, i) => i + 1);
  for (let i = addressIds.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [addressIds[i], addressIds[j]] = [addressIds[j] as number, addressIds[i] as number];
  }
  const names = new Set<string>();
  const rows: SeedRow[] = [];
  const accounts: number[] = [];
  for (let i = 0; i < plan.counterparties; i++) {
    let name = companyName(rng);
    for (let n = 2; names.has(name); n++) name = `${companyName(rng)} ${n}`;
    names.add(name);
    accounts.push(rng.int(10_000_000, 99_999_999));
    rows.push({
      counterparty_id: i + 1,
      counterparty_legal_name: name,
      legal_address_id: addressIds[i % addressIds.length] as number,
      commercial_contact: rng.chance(0.1) ? null : personName(rng),
      delivery_contact: rng.chance(0.15) ? null : personName(rng),
      ...audit(rng, clock.at(i)),
    });
  }
  return { rows, accounts };
}

function currencies(): SeedRow[] {
  const rng = new Random(streamSeed(SEED, 'currency'));
  const clock = referenceClock(rng, CURRENCY_CODES.length, 2);
  return CURRENCY_CODES.map((code, i) => ({
    currency_id: i + 1,
    currency_code: code,
    ...audit(rng, clock.at(i)),
  }));
}

function departments(): SeedRow[] {
  const rng = new Random(streamSeed(SEED, 'department'));
  const clock = referenceClock(rng, DEPARTMENTS.length, 3);
  return DEPARTMENTS.map((d, i) => ({
    department_id: i + 1,
    department_name: d.name,
    location: d.location,
    manager: d.manager,
    ...audit(rng, clock.at(i)),
  }));
}

function designs(plan: SeedPlan): SeedRow[] {
  const rng = new Random(streamSeed(SEED, 'design'));
  const clock = referenceClock(rng, plan.designs, 4);
  const rows: SeedRow[] = [];
  for (let i = 0; i < plan.designs; i++) {
    const name = rng.pick(DESIGN_WORDS);
    const createdMs = clock.at(i);
    const drawnMs = createdMs - rng.int(0, 400) * DAY_MS;
    rows.push({
      design_id: i + 1,
      design_name: name,
      file_location: rng.pick(DESIGN_FOLDERS),
      file_name: `${name.toLowerCase()}-${compactDate(drawnMs)}-${rng.letters(4, ALPHANUMERIC)}.json`,
      ...audit(rng, createdMs),
    });
  }
  return rows;
}

function paymentTypes(): SeedRow[] {
  const rng = new Random(streamSeed(SEED, 'payment_type'));
  const clock = referenceClock(rng, PAYMENT_TYPE_NAMES.length, 5);
  return PAYMENT_TYPE_NAMES.map((name, i) => ({
    payment_type_id: i + 1,
    payment_type_name: name,
    ...audit(rng, clock.at(i)),
  }));
}

function emailLocalPart(first: string, last: string): string {
  return `${first}.${last}`
    .normalize('NFD')
    .replace(/[^A-Za-z.]/g, '')
    .toLowerCase();
}

function staff(plan: SeedPlan): SeedRow[] {
  const rng = new Random(streamSeed(SEED, 'staff'));
  const clock = referenceClock(rng, plan.staff, 6);
  const departmentIds = DEPARTMENTS.map((_, i) => i + 1);
  const emails = new Set<string>();
  const rows: SeedRow[] = [];
  for (let i = 0; i < plan.staff; i++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    // The first two hires guarantee someone takes sales and purchase orders.
    const departmentId =
      i === 0
        ? SALES_DEPARTMENT_ID
        : i === 1
          ? PURCHASING_DEPARTMENT_ID
          : rng.weighted(departmentIds, STAFF_DEPARTMENT_WEIGHTS);
    const local = emailLocalPart(first, last);
    let email = `${local}@${EMAIL_DOMAIN}`;
    for (let n = 2; emails.has(email); n++) email = `${local}${n}@${EMAIL_DOMAIN}`;
    emails.add(email);
    rows.push({
      staff_id: i + 1,
      first_name: first,
      last_name: last,
      department_id: departmentId,
      email_address: email,
      ...audit(rng, clock.at(i)),
    });
  }
  return rows;
}

function staffIn(rows: readonly SeedRow[], departmentId: number): number[] {
  const ids = rows.filter((r) => r.department_id === departmentId).map((r) => r.staff_id as number);
  return ids.length > 0 ? ids : rows.map((r) => r.staff_id as number);
}

/** Builds every reference table for a plan; small enough to hold in memory at any scale. */
export function generateReferenceData(plan: SeedPlan): ReferenceData {
  const staffRows = staff(plan);
  const parties = counterparties(plan);
  return {
    address: addresses(plan),
    counterparty: parties.rows,
    currency: currencies(),
    department: departments(),
    design: designs(plan),
    payment_type: paymentTypes(),
    staff: staffRows,
    salesStaffIds: staffIn(staffRows, SALES_DEPARTMENT_ID),
    purchasingStaffIds: staffIn(staffRows, PURCHASING_DEPARTMENT_ID),
    counterpartyAccounts: parties.accounts,
  };
}
