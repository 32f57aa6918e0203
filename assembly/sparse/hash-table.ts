// An open-addressing hash table from u64 keys to non-zero u64 values, in linear memory: 16-byte
// slots (key, value), linear probing, backward-shift deletion (no tombstones), capacity grown
// by half when 80% full and halved when under 20% full, so memory stays proportional to entries.
// A value of 0 means "absent": setting 0 deletes.
//
// Table header (16 bytes, embedded in its owner): u32 slots pointer, u32 capacity, u32 count.

const EMPTY: u64 = ~(<u64>0); // no real key is all ones (keys are offsets shifted right by >= 6)
const MIN_CAPACITY: u32 = 8;

@inline function slotsOf(t: usize): usize { return <usize>load<u32>(t); }
@inline function capacityOf(t: usize): u32 { return load<u32>(t + 4); }
@inline export function entryCount(t: usize): u32 { return load<u32>(t + 8); }

// Murmur3's 64-bit finalizer: keys are consecutive integers, so they need real mixing.
@inline function mix(key: u64): u64 {
  let h = key;
  h ^= h >>> 33;
  h *= 0xFF51AFD7ED558CCD;
  h ^= h >>> 33;
  h *= 0xC4CEB9FE1A85EC53;
  return h ^ (h >>> 33);
}

// Maps the hash onto [0, capacity) by multiply-shift, so capacity need not be a power of two.
@inline function home(key: u64, capacity: u32): u32 {
  return <u32>(((mix(key) >>> 32) * <u64>capacity) >>> 32);
}

export function tableInit(t: usize): void {
  const bytes = <usize>MIN_CAPACITY << 4;
  const slots = heap.alloc(bytes);
  memory.fill(slots, 0xff, bytes);
  store<u32>(t, <u32>slots);
  store<u32>(t + 4, MIN_CAPACITY);
  store<u32>(t + 8, 0);
}

export function tableFree(t: usize): void {
  heap.free(slotsOf(t));
}

// The slot holding `key`, or the empty slot where its probe run ends (where it would go).
@inline function findSlot(slots: usize, capacity: u32, key: u64): usize {
  let i = home(key, capacity);
  while (true) {
    const slot = slots + (<usize>i << 4);
    const k = load<u64>(slot);
    if (k == key || k == EMPTY) return slot;
    i = i + 1 == capacity ? 0 : i + 1;
  }
}

export function tableGet(t: usize, key: u64): u64 {
  const slot = findSlot(slotsOf(t), capacityOf(t), key);
  return load<u64>(slot) == key ? load<u64>(slot + 8) : 0;
}

export function tableSet(t: usize, key: u64, value: u64): void {
  if (value == 0) {
    remove(t, key);
    return;
  }
  const capacity = capacityOf(t);
  const slot = findSlot(slotsOf(t), capacity, key);
  if (load<u64>(slot) == EMPTY) {
    store<u64>(slot, key);
    const count = entryCount(t) + 1;
    store<u32>(t + 8, count);
    store<u64>(slot + 8, value);
    if (<u64>count * 5 > <u64>capacity * 4) resize(t, capacity + (capacity >>> 1));
    return;
  }
  store<u64>(slot + 8, value);
}

function remove(t: usize, key: u64): void {
  const slots = slotsOf(t);
  const capacity = capacityOf(t);
  const found = findSlot(slots, capacity, key);
  if (load<u64>(found) == EMPTY) return;
  let i = <u32>((found - slots) >>> 4);
  // Backward shift: pull later entries of the probe run into the hole when that keeps them
  // reachable from their home slot.
  let j = i;
  while (true) {
    j = j + 1 == capacity ? 0 : j + 1;
    const slot = slots + (<usize>j << 4);
    const k = load<u64>(slot);
    if (k == EMPTY) break;
    const h = home(k, capacity);
    const staysPut = i <= j ? (i < h && h <= j) : (i < h || h <= j);
    if (staysPut) continue;
    memory.copy(slots + (<usize>i << 4), slot, 16);
    i = j;
  }
  store<u64>(slots + (<usize>i << 4), EMPTY);
  const count = entryCount(t) - 1;
  store<u32>(t + 8, count);
  if (capacity > MIN_CAPACITY && <u64>count * 5 < <u64>capacity) resize(t, capacity >>> 1);
}

function resize(t: usize, newCapacity: u32): void {
  if (newCapacity < MIN_CAPACITY) newCapacity = MIN_CAPACITY;
  const oldSlots = slotsOf(t);
  const oldCapacity = capacityOf(t);
  const bytes = <usize>newCapacity << 4;
  const slots = heap.alloc(bytes);
  memory.fill(slots, 0xff, bytes);
  for (let j: u32 = 0; j < oldCapacity; j++) {
    const from = oldSlots + (<usize>j << 4);
    const key = load<u64>(from);
    if (key == EMPTY) continue;
    let i = home(key, newCapacity);
    while (load<u64>(slots + (<usize>i << 4)) != EMPTY) i = i + 1 == newCapacity ? 0 : i + 1;
    memory.copy(slots + (<usize>i << 4), from, 16);
  }
  heap.free(oldSlots);
  store<u32>(t, <u32>slots);
  store<u32>(t + 4, newCapacity);
}

// Copies every (key, value) pair to out (16 bytes each, in table order); returns how many.
export function tableExport(t: usize, out: usize): u32 {
  const slots = slotsOf(t);
  const capacity = capacityOf(t);
  let written: u32 = 0;
  for (let j: u32 = 0; j < capacity; j++) {
    const from = slots + (<usize>j << 4);
    if (load<u64>(from) == EMPTY) continue;
    memory.copy(out + (<usize>written << 4), from, 16);
    written++;
  }
  return written;
}

export function tableBytes(t: usize): usize {
  return <usize>capacityOf(t) << 4;
}
