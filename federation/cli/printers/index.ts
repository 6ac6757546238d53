/** Output printers: tables (with ages) and whole objects as YAML/JSON. */
export { printTable, age } from './table-printer.js';
export { printObject, type ObjectFormat } from './object-printer.js';
