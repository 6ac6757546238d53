/** The in-memory KubeClient of controller unit tests; it lives in machinery/ (the federation's tests use it too). */
export { FakeKubeClient, type FakeAction } from '../../../machinery/testing/fake-kube-client.js';
