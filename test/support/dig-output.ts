/**
 * Parses the text `dig` (BIND 9.18) prints, so tests assert on header fields, the OPT
 * pseudosection and the record sections instead of matching raw text.
 */

/** One dig reply as parsed from its text output. */
export interface DigReply {
  /** The whole output (e.g. for `+short`). */
  raw: string;
  /** Header opcode (`QUERY`, `STATUS`, ...); empty when dig printed no reply. */
  opcode: string;
  /** Header status (`NOERROR`, `NXDOMAIN`, `BADVERS`, ...). */
  status: string;
  /** Header flags (`qr`, `aa`, `tc`, `rd`, `ra`). */
  flags: string[];
  /** The OPT pseudosection, absent when the reply had no OPT record. */
  edns: { version: number; udp: number; flags: string[] } | undefined;
  /** Extended DNS Error INFO-CODEs. */
  ede: number[];
  /** The question as printed: `[name, class, type]`. */
  question: string[];
  /** Records as whitespace-split fields: `[owner, ttl, class, type, ...rdata]`. */
  answer: string[][];
  authority: string[][];
  additional: string[][];
}

/** The record lines of one `;; <NAME> SECTION:` block. */
function section(lines: string[], name: string): string[][] {
  const start = lines.indexOf(`;; ${name} SECTION:`);
  if (start < 0) return [];
  const out: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || line.startsWith(';;')) break;
    out.push(line.trim().split(/\s+/));
  }
  return out;
}

/** Parses dig's default output. */
export function parseDig(raw: string): DigReply {
  const lines = raw.split('\n');
  const header = /opcode: (\w+), status: (\w+)/.exec(raw);
  const flags = /;; flags:([^;]*);/.exec(raw);
  const edns = /; EDNS: version: (\d+), flags:([^;]*); udp: (\d+)/.exec(raw);
  const qStart = lines.indexOf(';; QUESTION SECTION:');
  const q = qStart >= 0 ? (lines[qStart + 1] ?? '') : '';
  return {
    raw,
    opcode: header?.[1] ?? '',
    status: header?.[2] ?? '',
    flags: (flags?.[1] ?? '').trim().split(/\s+/).filter(Boolean),
    edns: edns
      ? {
          version: Number(edns[1]),
          udp: Number(edns[3]),
          flags: (edns[2] ?? '').trim().split(/\s+/).filter(Boolean),
        }
      : undefined,
    ede: [...raw.matchAll(/; EDE: (\d+)/g)].map((m) => Number(m[1])),
    question: q.replace(/^;/, '').trim().split(/\s+/).filter(Boolean),
    answer: section(lines, 'ANSWER'),
    authority: section(lines, 'AUTHORITY'),
    additional: section(lines, 'ADDITIONAL'),
  };
}
