import { errorResponse, RCODE, type Query } from './dns-wire.js';

/** Class IN (RFC 1035 §3.2.4): the only class either server holds data for. */
const CLASS_IN = 1;

/**
 * The refusal both DNS servers send before looking a query up, or undefined to go on: NOTIMP for
 * an opcode other than QUERY, BADVERS for an EDNS version above 0 (RFC 6891 §6.1.3), REFUSED for
 * a class other than IN (CH `version.bind` included: the servers do not reveal their version).
 * Every refusal echoes the query's ID, opcode and question, and an OPT when the query had one.
 */
export function screenQuery(query: Buffer, q: Query): Buffer | undefined {
  if (((q.flags >> 11) & 0x0f) !== 0) return errorResponse(query, RCODE.NOTIMP, q);
  if (q.edns && q.ednsVersion > 0) return errorResponse(query, RCODE.BADVERS, q);
  if (q.cls !== CLASS_IN) return errorResponse(query, RCODE.REFUSED, q);
  return undefined;
}
