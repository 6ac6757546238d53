/** Patch formats served by the API server. */
export { applyMergePatch, type Json } from './merge-patch.js';
export { applyJsonPatch, type JsonPatchOp } from './json-patch.js';
export {
  applyStrategicMergePatch,
  DEFAULT_MERGE_KEYS,
  mergeKeyLookup,
  type MergeKeyLookup,
} from './strategic-merge-patch.js';
