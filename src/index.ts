export { ClusterIPAllocator } from './allocator.js';
export type { AllocatorOptions, AllocatorStats, BandStats, Strategy } from './allocator.js';
export { AllocatorError } from './errors.js';
export type { AllocatorErrorCode } from './errors.js';
export { describeRange, bandOffsetFor } from './range.js';
export type { RangeInfo, RangeOptions } from './range.js';
export type { RangeSnapshot } from './snapshot-input.js';
export type { RandomInt } from './random-source.js';
