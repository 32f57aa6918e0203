// Under the server's CSP: what needs no kernel, and what the first allocator does.
import * as lib from '/node_modules/clusterip/dist/browser.js';
import { outcomeOf, plain } from './outcome.js';

const described = plain(lib.describeRange('10.96.0.0/24'));
let allocator;
try {
  const made = new lib.ClusterIPAllocator('10.96.0.0/24', { seed: 42 });
  allocator = { first: made.allocateNext() };
  made.dispose();
} catch (error) {
  allocator = { name: error.name, code: error.code, message: error.message, isAllocatorError: error instanceof lib.AllocatorError };
}
window.__outcome = { described, allocator, suite: allocator.first === undefined ? undefined : outcomeOf(lib) };
