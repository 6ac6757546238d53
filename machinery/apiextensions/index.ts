/** CustomResourceDefinitions: structural schemas (validation, pruning, defaulting) and serving. */
export * from './crd-types.js';
export { validateCrd } from './crd-validation.js';
export { customResourceType, evalJsonPath } from './custom-resource-type.js';
export {
  CRD_CONTROLLER_USER,
  CustomResourceServing,
  setCondition,
  type CustomResourceServingOptions,
} from './custom-resource-serving.js';
export { defaultObject, pruneObject, unknownFields } from './schema-pruning.js';
export { validateAgainstSchema, validateValue } from './schema-validation.js';
