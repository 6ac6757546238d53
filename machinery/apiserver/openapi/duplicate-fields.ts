/**
 * Finds keys that appear twice in one JSON object of a request body (`JSON.parse` keeps the last
 * silently), for server-side field validation. Runs on text that already parsed as JSON.
 */

interface Frame {
  /** Path of this object or array, e.g. `spec.template`. */
  path: string;
  /** Keys seen so far; undefined for an array. */
  keys: Set<string> | undefined;
  /** Index of the next array element. */
  index: number;
}

/** Reads the JSON string starting at `text[i]` (a quote); returns its value and end index. */
function readString(text: string, i: number): { value: string; end: number } {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return { value: JSON.parse(text.slice(i, j + 1)) as string, end: j + 1 };
}

const childPath = (f: Frame, key: string | undefined): string =>
  key !== undefined ? (f.path === '' ? key : `${f.path}.${key}`) : `${f.path}[${String(f.index)}]`;

/** The paths (like `spec.replicas`) of duplicated keys in a JSON document. */
export function findDuplicateFields(text: string): string[] {
  const out: string[] = [];
  const stack: Frame[] = [];
  let pendingKey: string | undefined;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      const { value, end } = readString(text, i);
      let k = end;
      while (k < text.length && /\s/.test(text[k] ?? '')) k++;
      if (top?.keys && text[k] === ':') {
        const path = childPath(top, value);
        if (top.keys.has(value)) out.push(path);
        top.keys.add(value);
        pendingKey = value;
        i = k + 1;
        continue;
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      const path =
        top === undefined ? '' : childPath(top, top.keys ? (pendingKey ?? '') : undefined);
      stack.push({ path, keys: c === '{' ? new Set() : undefined, index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',' && top && !top.keys) {
      top.index++;
    }
    i++;
  }
  return out;
}
