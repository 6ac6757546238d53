/** Controller runtime: informer → workqueue → reconcile, and the controller manager. */
export * from './controller.js';
export * from './controller-manager.js';
