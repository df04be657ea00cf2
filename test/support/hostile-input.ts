/**
 * Hostile input for the mutation fuzzer (test/fuzz-mutations.test.ts): wrong types, huge strings,
 * odd numbers, deep nesting, unknown enum values, malformed ids and dates, huge arrays, unicode,
 * nulls, missing and unknown fields, and the edits that break a valid request with them.
 */
import fc from 'fast-check';

const nested = (depth: number, wrap: (inner: unknown) => unknown): unknown => Array.from({ length: depth }).reduce<unknown>((inner) => wrap(inner), 1);
const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    '',
    ' ',
    'null',
    'undefined',
    'NaN',
    'Infinity',
    '-Infinity',
    '-1',
    '-0',
    '1e309',
    '0x10',
    '1_000',
    '99999999999999999999999999',
    'true',
    '[]',
    '{}',
    '\u0000',
    'a\u0000b',
    '\u202eevil',
    '\ud800',
    '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
    '🧨💥',
    'e\u0301',
    '\r\n\t',
    "'; DROP TABLE bid; --",
    '" OR "1"="1',
    '${jndi:ldap://x}',
    '../../etc/passwd',
    '<script>alert(1)</script>',
    '%s%n%x',
    'ADMIN',
    'OPERATOR',
    'VOICE ',
    'chat',
    'usd',
    'XXX',
    'not-a-uuid',
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '0190a000-0000-7000-8000-00000000000g',
    '2026-02-30T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '+275760-09-13T00:00:00.001Z',
    '1970-01-01',
    'yesterday',
    'x'.repeat(100_000),
    'é'.repeat(50_000),
  ),
  fc.constantFrom(
    -1,
    0,
    -0,
    0.5,
    -0.0001,
    5e-324,
    2 ** 31,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 53,
    2 ** 53 + 2,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    1e21,
    0.1 + 0.2,
    9_999_999,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.uuid(),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileScalar },
  { weight: 1, arbitrary: fc.array(hostileScalar, { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), hostileScalar, { maxKeys: 4 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      nested(500, (x) => ({ a: x })),
      nested(500, (x) => [x]),
      Array.from({ length: 20_000 }, () => 0),
      Array.from({ length: 3_000 }, (_, i) => `s${i}`),
    ),
  },
);

type Path = (string | number)[];
type Edit = { kind: 'replace'; value: unknown } | { kind: 'delete' } | { kind: 'unknownField'; value: unknown } | { kind: 'explode'; times: number };

/** Every path to a value in a JSON value, the root excluded. */
function paths(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...prefix, i], ...paths(v, [...prefix, i])]);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
  return [];
}

/**
 * Applies one edit in place. Hostile values are copied in (they are shared between runs and
 * later edits may change them), and only small values explode, once per run, so runs stay far
 * below the test process's memory (the body limit is the API's business, tested on its own).
 */
function apply(root: Record<string, unknown>, path: Path, edit: Edit): void {
  const parent = path.slice(0, -1).reduce<any>((node, k) => node?.[k], root);
  const key = path.at(-1)!;
  if (parent === null || typeof parent !== 'object') return;
  if (edit.kind === 'replace') parent[key] = structuredClone(edit.value);
  else if (edit.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else if (edit.kind === 'unknownField') {
    if (parent[key] && typeof parent[key] === 'object' && !Array.isArray(parent[key])) parent[key].zzUnknown = structuredClone(edit.value);
    else parent[key] = structuredClone(edit.value);
  } else {
    const target = Array.isArray(parent) ? parent[Number(key)] : parent[key];
    if ((JSON.stringify(target) ?? '').length > 1_000) return;
    const copies = Array.from({ length: edit.times }, () => target);
    if (!Array.isArray(parent)) parent[key] = copies;
    else if (parent.length <= 10) parent.splice(0, parent.length, ...copies);
  }
}

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 8, arbitrary: hostile.map((value) => ({ kind: 'replace' as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'delete' as const }) },
  { weight: 1, arbitrary: hostile.map((value) => ({ kind: 'unknownField' as const, value })) },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 5_000).map((times) => ({ kind: 'explode' as const, times })) },
);

/** Variables for one run: a valid request broken in one to three places, or hostile through and through. */
export const hostileVariables = (target: { valid: () => Record<string, unknown> }): fc.Arbitrary<Record<string, unknown>> =>
  fc.oneof(
    {
      weight: 9,
      arbitrary: fc.array(fc.tuple(fc.nat(), edit), { minLength: 1, maxLength: 3 }).map((edits) => {
        const variables = target.valid();
        // At most one explosion, applied last: copies share their element, so a later edit of one
        // copy (a 100 kB string, say) would land in all five thousand.
        const explosion = edits.find(([, e]) => e.kind === 'explode');
        for (const [pick, e] of [...edits.filter(([, e]) => e.kind !== 'explode'), ...(explosion ? [explosion] : [])]) {
          const all = paths(variables);
          if (all.length) apply(variables, all[pick % all.length]!, e);
        }
        return variables;
      }),
    },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('input', 'id', 'key', 'v', 'at', 'extra'), hostile, { maxKeys: 3 }) },
  );
