import { dump } from 'js-yaml';

/** Output formats that print whole objects. */
export type ObjectFormat = 'yaml' | 'json';

/** Prints an object or list as YAML or pretty JSON (always newline-terminated). */
export function printObject(obj: unknown, format: ObjectFormat): string {
  return format === 'json'
    ? `${JSON.stringify(obj, null, 2)}\n`
    : dump(obj, { noRefs: true, lineWidth: -1 });
}
