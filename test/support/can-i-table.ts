/**
 * Reads `kubectl auth can-i --list` output and the markdown tables documenting it, as rows of
 * [Resources, Non-Resource URLs, Resource Names, Verbs], so a test can compare the two.
 */

const COLUMNS = ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs'];

/** Rows of `kubectl auth can-i --list` (columns cut at the header's title positions). */
export function parseCanIList(out: string): string[][] {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0] ?? '';
  const starts = COLUMNS.map((c) => header.indexOf(c));
  if (starts.some((s) => s < 0)) throw new Error(`not kubectl auth can-i --list output:\n${out}`);
  return lines
    .slice(1)
    .map((l) => starts.map((s, i) => l.slice(s, starts[i + 1] ?? l.length).trim()));
}

/**
 * Markdown tables after `heading` (until the next heading of the same level), keyed by the text of
 * the nearest `####` heading above each table. Cells lose their surrounding backticks; rows keep
 * their order.
 */
export function tablesUnder(markdown: string, heading: string): Map<string, string[][]> {
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const lines = markdown.split('\n');
  const at = lines.findIndex((l) => l.trim() === heading);
  if (at < 0) throw new Error(`heading "${heading}" not found`);
  const tables = new Map<string, string[][]>();
  let current: string | undefined;
  let seenHeader = false;
  for (const line of lines.slice(at + 1)) {
    const h = /^(#+)\s+(.*)$/.exec(line);
    if (h && (h[1]?.length ?? 0) <= level) break;
    if (h && h[1] === '####') {
      current = (h[2] ?? '').trim();
      seenHeader = false;
      continue;
    }
    if (current === undefined || !line.trim().startsWith('|')) continue;
    const cells = line
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim().replace(/^`(.*)`$/, '$1'));
    if (!seenHeader) {
      seenHeader = true; // the column titles
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    const rows = tables.get(current) ?? [];
    rows.push(cells);
    tables.set(current, rows);
  }
  return tables;
}
