// The names the API gives the kernel's strategies and draw models. They are their own module so
// that the published types name them without reaching the kernel's (WebAssembly) types.

/**
 * How a dynamic allocation picks its address: `'random-scan'` is Kubernetes' (a random start in the
 * band, then the first free address at or after it); `'sequential'` takes the lowest free one;
 * `'uniform'` draws uniformly among the free ones of the band in use.
 */
export type Strategy = 'random-scan' | 'sequential' | 'uniform';

/**
 * Which of Kubernetes' two allocators' random draws to reproduce: `'bitmap'` (the RangeAllocation
 * allocator) or `'ipaddress'` (the 1.33+ per-ServiceCIDR allocator). Only the draws differ.
 */
export type DrawModel = 'bitmap' | 'ipaddress';
