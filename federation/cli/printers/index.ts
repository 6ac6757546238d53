/** Output printers: tables (with ages), member tables merged, whole objects as YAML/JSON. */
export { printTable, age } from './table-printer.js';
export { printObject, type ObjectFormat } from './object-printer.js';
export {
  cellText,
  mergeClusterTables,
  type ClusterTable,
  type KubeTable,
  type TableColumn,
} from './cluster-table.js';
