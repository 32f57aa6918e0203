// Snapshot data for sparse ranges, where the RangeAllocation bitmap (2^64 bits for a /64) cannot
// exist. Layout: the magic "CIPR" (43 49 50 52), version byte 01, then LEB128 varints: the number of
// runs, and per run the gap since the previous run's end (the first run's start counts from 0)
// and the run's length minus one. Runs of consecutive allocated offsets, ascending. The kernel
// writes and reads it (assembly/sparse/run-codec.ts); decoding accepts gap 0 (adjacent runs) and
// refuses anything else malformed, for the reasons below.
import { RUNS } from './kernel.js';

/** The words of ERR_INVALID_SNAPSHOT for a reason the kernel's decoder gave. */
export function runsRefusal(status: number, data: Uint8Array, size: bigint, maxTotal: number): string {
  switch (status) {
    case RUNS.TRUNCATED: return 'truncated run data';
    case RUNS.OVER_64_BITS: return 'a run value exceeds 64 bits';
    case RUNS.VARINT_TOO_LONG: return 'a run value is longer than ten bytes';
    case RUNS.BEYOND_SIZE: return `data has allocations beyond the ${size} usable addresses of the range`;
    case RUNS.TOO_MANY: return `data claims more than ${maxTotal} allocations`;
    case RUNS.TRAILING: return 'trailing bytes after the last run';
    case RUNS.BAD_MAGIC: return 'sparse range data must start with "CIPR"';
    case RUNS.BAD_VERSION: return `unknown run encoding version ${data[4]}`;
    default: return `run data refused (reason ${status})`;
  }
}
