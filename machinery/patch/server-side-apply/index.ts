/** Server-side apply: field sets, managedFields, apply with conflicts and update ownership. */
export { applySchemaOf, builtInSchema, openApiSchema, type ApplySchema } from './apply-schema.js';
export { ApplyConflictError, type FieldConflict } from './apply-conflict-error.js';
export {
  applyConfiguration,
  ignoredFields,
  recordUpdate,
  type FieldManagerScope,
} from './apply.js';
export { isMap } from './field-paths.js';
export { FieldSet, pathString } from './field-set.js';
export { decodeManagedFields, encodeManagedFields } from './managed-fields.js';
