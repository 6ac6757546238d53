/**
 * A raw single-question DNS query as a client sends it, built without the wire encoder: for tests
 * and benches that talk to a server with hand-made packets.
 */

/** An A/IN query for `name` with ID 0x1234 and RD set, no EDNS. */
export function rawAQuery(name: string): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([
    Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
}
