/**
 * Text PostgreSQL can store as given. A `text` value cannot hold NUL at all, and the json types
 * refuse unpaired UTF-16 surrogates (which `text` would silently turn into U+FFFD): both
 * arrive easily in JSON (`"\u0000"`, `"\ud800"`), so input text must be free of them.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

interface Step {
  value: unknown;
  parent: Step | null;
  key: string | number | null;
}

/**
 * The path ("input.events[3].externalId") of the first string in a JSON value that is not
 * storable, or null. Walks iteratively: a request body may nest far deeper than the stack.
 */
export function unstorableTextPath(value: unknown, root = ''): string | null {
  const stack: Step[] = [{ value, parent: null, key: null }];
  while (stack.length) {
    const step = stack.pop()!;
    const v = step.value;
    if (typeof v === 'string') {
      if (!isStorableText(v)) return pathOf(step, root);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], parent: step, key: i });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) stack.push({ value: child, parent: step, key: k });
    }
  }
  return null;
}

function pathOf(step: Step, root: string): string {
  const parts: string[] = [];
  for (let s: Step | null = step; s && s.key !== null; s = s.parent) parts.push(typeof s.key === 'number' ? `[${s.key}]` : `.${s.key}`);
  const path = root + parts.reverse().join('');
  return path.startsWith('.') ? path.slice(1) : path;
}
