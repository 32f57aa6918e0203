// node examples/basic.mjs — the /24 breakdown and a few allocations, through the package's own entry.
import { ClusterIPAllocator, describeRange } from 'clusterip';

const range = describeRange('10.96.0.0/24');
console.log(`range ${range.cidr} (${range.family}): ${range.size} usable addresses, ${range.rangeStart} – ${range.rangeEnd}`);
console.log(`static band: ${range.staticStart} – ${range.staticEnd} (${range.staticSize} addresses, bandOffset ${range.bandOffset})`);
console.log(`dynamic band: ${range.dynamicStart} – ${range.dynamicEnd} (${range.dynamicSize} addresses)`);

const allocator = new ClusterIPAllocator(range.cidr, { seed: 42 });
console.log(`static: kube-dns gets ${allocator.allocate('10.96.0.10')}`);
console.log(`dynamic: ${allocator.allocateMany(5).join(', ')}`);
try {
  allocator.allocate('10.96.0.10');
} catch (error) {
  console.log(`static again: ${error.code}: ${error.message}`);
}
const { used, free, static: lower, dynamic: upper } = allocator.stats();
console.log(`used ${used}, free ${free} (static band ${lower.used}/${lower.size}, dynamic band ${upper.used}/${upper.size})`);
console.log(`snapshot: ${Buffer.from(allocator.snapshot().data).toString('hex')}`);
