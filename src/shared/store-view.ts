// One process's view of the objects a prefix holds in etcd: a ServiceIPAM whose stored objects
// are etcd's (loaded page by page, then kept current by watch events), and each key's mod
// revision. Requests run on the view as on any ServiceIPAM; the journal (storage-access.ts)
// records which stored objects they touch and what those held before, so the view can tell what
// to write (WriteSet: the changed keys, each compared with the revision the view read) and, when
// the write does not land, put back what etcd holds.
//
// A value is applied only when its revision is newer than the key's in the view (watch events
// can trail a transaction's own result); deletions leave a tombstone revision for that reason.
// Several batches may be in flight at once when their keys are disjoint (blockers()); a watch
// event on a key a batch in flight holds waits until that batch is settled.
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM, type ServiceIPAMOptions } from '../services/service-ipam.js';
import { STORAGE, SYSTEM_FIELDS } from '../internal.js';
import type { StorageAccess } from '../services/storage-access.js';
import type { StorageJournal } from '../services/storage-journal.js';
import { StoredService } from '../services/service-store.js';
import { readObject, SERVICE_CIDR_SHAPE, SERVICE_SHAPE, IP_ADDRESS_SHAPE } from '../services/object-shapes.js';
import { compactAddress, validateIPAddress, validateServiceCIDR } from '../services/service-cidrs.js';
import { formatFieldError, invalid } from '../services/field-errors.js';
import type { AddressEntry, IPAddress, ServiceCIDR } from '../services/network-objects.js';
import type { ClusterIPAllocator } from '../allocator.js';
import type { NodePortAllocator } from '../node-port-allocator.js';
import { EtcdLayout, decodeRangeAllocation, encodeRangeAllocation, parseStored } from './etcd-layout.js';
import type { Compare, StoredKV, WriteOp } from './etcd-kv.js';
import { StoreError } from './store-errors.js';

/** What a batch of requests wrote: the keys it changes, each compared with the revision read. */
export interface WriteSet {
  compares: Compare[];
  writes: WriteOp[];
  /** Bytes of the keys and values written. */
  bytes: number;
}

/** A stored value the view could not read (it is skipped; its revision is still tracked). */
/** A stored value this process could not read. */
export interface StoreProblem {
  /** Its etcd key. */
  key: string;
  /** Why it could not be read. */
  message: string;
}

interface TouchedService { namespace: string; name: string; base: StoredService | undefined }
interface TouchedAddress { name: string; base: AddressEntry | undefined }

/**
 * One batch of requests: what they touched and what each held before. Services and IPAddresses
 * are recorded as the pipeline touches them (the journal); ServiceCIDRs and RangeAllocations,
 * few and compared whole, as they were when the batch began.
 */
export class Batch implements StorageJournal {
  readonly services = new Map<string, TouchedService>();
  readonly addresses = new Map<string, TouchedAddress>();
  /** ServiceCIDR and RangeAllocation values (text; undefined: absent) when the batch began. */
  readonly wholeBase = new Map<string, string | undefined>();
  /** The keys its write set changes. */
  readonly written = new Set<string>();
  readonly settled: Promise<void>;
  #settle!: () => void;

  constructor(private readonly view: StoreView) {
    this.settled = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  service(namespace: string, name: string): void {
    const key = this.view.layout.service(namespace, name);
    if (!this.services.has(key)) this.services.set(key, { namespace, name, base: this.view.access.service(namespace, name) });
  }

  ipAddress(name: string): void {
    const key = this.view.layout.ipAddress(name);
    if (!this.addresses.has(key)) this.addresses.set(key, { name, base: this.view.access.registry()?.address(name) });
  }

  /** Every key whose value in the view this batch may have changed. */
  keys(): Set<string> {
    return new Set([...this.services.keys(), ...this.addresses.keys(), ...this.written]);
  }

  settle(): void {
    this.#settle();
  }
}

/** A RangeAllocation key and the allocator behind it. */
interface RangeBinding { key: string; allocator: ClusterIPAllocator | NodePortAllocator }

export class StoreView {
  readonly ipam: ServiceIPAM;
  readonly access: StorageAccess;
  readonly layout: EtcdLayout;
  /** Mod revision of each key as the view holds it (a deleted key keeps its deletion's revision). */
  readonly #revisions = new Map<string, number>();
  /** Keys etcd holds, among those the view compares by value: ServiceCIDRs and RangeAllocations. */
  readonly #committed = new Map<string, string>();
  readonly #ranges: RangeBinding[];
  /** The batch whose requests are running now (recording), and the batches whose writes are out. */
  #computing: Batch | undefined;
  readonly #inFlight = new Set<Batch>();
  /** Keys of the batches in flight (with how many hold each): their watch events wait. */
  readonly #heldKeys = new Map<string, number>();
  /** The batch catching up, while every event waits. */
  #holdAll: Batch | undefined;
  #buffer: Array<{ key: string; kv: StoredKV | null; revision: number }> = [];
  /** The newest revision among the held events. */
  #heldRevision = 0;
  /** The highest revision the view has seen from etcd. */
  revision = 0;
  readonly problems: StoreProblem[] = [];
  readonly #revisionWaiters: Array<{ revision: number; resolve: () => void }> = [];

  constructor(options: ServiceIPAMOptions, layout: EtcdLayout, uid: () => string) {
    this.ipam = new ServiceIPAM({ ...options, reserveKubernetesService: false, [SYSTEM_FIELDS]: { uid } } as ServiceIPAMOptions);
    this.access = this.ipam[STORAGE]();
    this.layout = layout;
    const ranges: RangeBinding[] = [{ key: layout.nodePorts, allocator: this.access.nodePorts() }];
    this.access.rangeAllocators().forEach((allocator, i) => ranges.push({ key: layout.ipRanges[i], allocator }));
    this.#ranges = ranges;
  }

  /** The keys of the RangeAllocations this version keeps. */
  get rangeKeys(): string[] {
    return this.#ranges.map((r) => r.key);
  }

  keyRevision(key: string): number {
    return this.#revisions.get(key) ?? 0;
  }

  // ---- values from etcd ----

  /**
   * A value from etcd (null: the key is absent) as of `revision`; ignored unless newer than what
   * the view holds for the key. An event on a key a batch in flight holds waits in the buffer.
   */
  apply(key: string, kv: StoredKV | null, revision: number): void {
    if (this.#holdAll !== undefined || this.#heldKeys.has(key)) {
      this.#buffer.push({ key, kv, revision });
      if (revision > this.#heldRevision) this.#heldRevision = revision;
      this.#resolveWaiters(revision);
      return;
    }
    this.#applyNow(key, kv, kv ? kv.modRevision : revision);
    this.#advance(revision);
  }

  /** The view holds everything etcd held at `revision` (a load read at that revision). */
  seen(revision: number): void {
    this.#advance(revision);
  }

  #advance(revision: number): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    this.#resolveWaiters(revision);
  }

  // Waiters for a revision the view has seen (held events count: they are in hand).
  #resolveWaiters(revision: number): void {
    for (let i = this.#revisionWaiters.length - 1; i >= 0; i--) {
      const waiter = this.#revisionWaiters[i];
      if (waiter.revision <= revision) {
        this.#revisionWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /** Resolves once the view has seen `revision` (from the watch, a read or its own write). */
  reached(revision: number): Promise<void> {
    if (Math.max(this.revision, this.#heldRevision) >= revision) return Promise.resolve();
    return new Promise((resolve) => this.#revisionWaiters.push({ revision, resolve }));
  }

  #applyNow(key: string, kv: StoredKV | null, revision: number): void {
    if (revision <= (this.#revisions.get(key) ?? 0)) return;
    const parsed = this.layout.parse(key);
    if (!parsed || parsed.kind === 'own') return;
    this.#revisions.set(key, revision);
    try {
      switch (parsed.kind) {
        case 'service': this.#putService(key, parsed.namespace!, parsed.name, kv); break;
        case 'ipaddress': this.#putAddress(key, parsed.name, kv); break;
        case 'servicecidr': this.#putServiceCIDR(key, parsed.name, kv); break;
        case 'range': this.#putRange(key, kv); break;
      }
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.problems.push({ key, message: error.message });
    }
  }

  #putService(key: string, namespace: string, name: string, kv: StoredKV | null): void {
    if (!kv) {
      this.access.putService(namespace, name, undefined);
      return;
    }
    const service = readStored<Service>(key, kv.value, SERVICE_SHAPE, 'Service');
    if ((service.metadata?.namespace || 'default') !== namespace || service.metadata?.name !== name) {
      throw new StoreError('ERR_STORE_CORRUPT', `${key} holds the Service ${service.metadata?.namespace}/${service.metadata?.name}`, { key });
    }
    this.access.putService(namespace, name, new StoredService(service, JSON.stringify(service)));
  }

  #putAddress(key: string, name: string, kv: StoredKV | null): void {
    const registry = this.access.registry();
    if (!registry) return;
    if (!kv) {
      registry.deleteAddress(name);
      return;
    }
    const object = readStored<IPAddress>(key, kv.value, IP_ADDRESS_SHAPE, 'IPAddress');
    const errors = validateIPAddress(object);
    if (object.metadata?.name !== name) errors.push(invalid('metadata.name', object.metadata?.name, `does not match the key ${key}`));
    if (errors.length > 0) throw new StoreError('ERR_STORE_CORRUPT', `${key}: ${errors.map(formatFieldError).join('; ')}`, { key });
    registry.putAddress(compactAddress(object));
  }

  #putServiceCIDR(key: string, name: string, kv: StoredKV | null): void {
    const registry = this.access.registry();
    if (!registry) return;
    if (!kv) {
      registry.putStoredServiceCIDR(name, undefined);
      this.#committed.delete(key);
      return;
    }
    const object = readStored<ServiceCIDR>(key, kv.value, SERVICE_CIDR_SHAPE, 'ServiceCIDR');
    const errors = validateServiceCIDR(object);
    if (errors.length > 0 || object.metadata.name !== name) {
      throw new StoreError('ERR_STORE_CORRUPT', `${key}: ${errors.length > 0 ? errors.map(formatFieldError).join('; ') : 'the name does not match the key'}`, { key });
    }
    registry.putStoredServiceCIDR(name, object);
    this.#committed.set(key, JSON.stringify(object));
  }

  #putRange(key: string, kv: StoredKV | null): void {
    const binding = this.#ranges.find((r) => r.key === key);
    if (!binding) return;
    if (!kv) {
      this.#committed.delete(key);
      return;
    }
    const snapshot = decodeRangeAllocation(key, kv.value);
    if (snapshot.range !== rangeText(binding.allocator)) {
      throw new StoreError('ERR_STORE_CORRUPT', `${key} holds the range ${snapshot.range}, this store was opened for ${rangeText(binding.allocator)}`, { key });
    }
    try {
      binding.allocator.restore(snapshot);
    } catch (error) {
      throw new StoreError('ERR_STORE_CORRUPT', `${key}: ${(error as Error).message}`, { key, cause: error });
    }
    this.#committed.set(key, encodeRangeAllocation(binding.allocator.snapshot()));
  }

  // ---- batches of requests ----

  /** Starts recording what the requests about to run touch. */
  begin(): Batch {
    if (this.#computing) throw new Error('a batch is already being computed');
    const batch = new Batch(this);
    // A value etcd does not hold yet (the default ServiceCIDR, a RangeAllocation, before the
    // first write) counts as absent, so the batch that changes nothing still writes it.
    for (const [key, text] of this.#wholeValues()) {
      const held = this.#committed.has(key) || [...this.#inFlight].some((b) => b.written.has(key));
      batch.wholeBase.set(key, held ? text : undefined);
    }
    this.#computing = batch;
    this.access.setJournal(batch);
    return batch;
  }

  /** Stops recording (the batch's requests have run). */
  end(batch: Batch): void {
    if (this.#computing === batch) {
      this.access.setJournal(undefined);
      this.#computing = undefined;
    }
  }

  // The current ServiceCIDR and RangeAllocation values, as text.
  *#wholeValues(): Generator<[string, string | undefined]> {
    const registry = this.access.registry();
    if (registry) {
      const names = new Set([...registry.storedServiceCIDRNames(), ...this.#committedServiceCIDRNames()]);
      for (const name of names) {
        const object = registry.storedServiceCIDR(name);
        yield [this.layout.serviceCIDR(name), object ? JSON.stringify(object) : undefined];
      }
    }
    for (const { key, allocator } of this.#ranges) yield [key, encodeRangeAllocation(allocator.snapshot())];
  }

  /** What the batch changed, as compares and writes (each written key compared with the revision the view holds). */
  writeSet(batch: Batch): WriteSet {
    const compares: Compare[] = [];
    const writes: WriteOp[] = [];
    let bytes = 0;
    const write = (key: string, present: boolean, value: string | undefined) => {
      batch.written.add(key);
      compares.push({ key, modRevision: present ? this.keyRevision(key) : 0 });
      if (value === undefined) {
        writes.push({ key, delete: true });
        bytes += key.length;
      } else {
        writes.push({ key, value });
        bytes += key.length + value.length;
      }
    };
    for (const [key, touched] of batch.services) {
      const now = this.access.service(touched.namespace, touched.name);
      if (now === touched.base || now?.text === touched.base?.text) continue;
      write(key, touched.base !== undefined, now?.text);
    }
    const registry = this.access.registry();
    for (const [key, touched] of batch.addresses) {
      const now = registry?.address(touched.name);
      if (now === touched.base) continue;
      const text = now ? JSON.stringify(now.toIPAddress()) : undefined;
      if (text !== undefined && touched.base !== undefined && text === JSON.stringify(touched.base.toIPAddress())) continue;
      write(key, touched.base !== undefined, text);
    }
    for (const [key, text] of this.#wholeValues()) {
      if (text === batch.wholeBase.get(key)) continue;
      write(key, this.#committed.has(key), text);
    }
    return { compares, writes, bytes };
  }

  *#committedServiceCIDRNames(): Generator<string> {
    for (const key of this.#committed.keys()) if (key.startsWith(this.layout.serviceCIDRs)) yield key.slice(this.layout.serviceCIDRs.length);
  }

  /** The batches in flight that hold a key this batch changed or touched: it must wait for them. */
  blockers(batch: Batch): Batch[] {
    const keys = batch.keys();
    return [...this.#inFlight].filter((other) => [...other.keys()].some((key) => keys.has(key)));
  }

  /** The batch's write goes out: watch events on its keys wait until it is settled. */
  send(batch: Batch): void {
    this.#inFlight.add(batch);
    for (const key of batch.keys()) this.#heldKeys.set(key, (this.#heldKeys.get(key) ?? 0) + 1);
  }

  /** Holds every watch event until `batch` is settled (its catch-up before a refusal). */
  holdEvents(batch: Batch): void {
    this.#holdAll = batch;
  }

  /** Whether a batch's write is out. */
  busy(): boolean {
    return this.#inFlight.size > 0;
  }

  /** Resolves once no batch is in flight. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight].map((b) => b.settled));
  }

  /** Whether a held event changes an object (anything but this package's own keys). */
  holdsChanges(): boolean {
    return this.#buffer.some((event) => this.layout.parse(event.key)?.kind !== 'own' && event.revision > this.keyRevision(event.key));
  }

  /** The batch's writes landed at `revision`. */
  committed(batch: Batch, set: WriteSet, revision: number): void {
    for (const op of set.writes) {
      this.#revisions.set(op.key, revision);
      const kind = this.layout.parse(op.key)?.kind;
      if (kind !== 'servicecidr' && kind !== 'range') continue;
      if ('delete' in op) this.#committed.delete(op.key);
      else this.#committed.set(op.key, typeof op.value === 'string' ? op.value : op.value.toString('utf8'));
    }
    this.#settled(batch);
    this.#advance(revision);
    this.#release();
  }

  /**
   * The batch's writes did not land (or were never sent): every object it touched goes back to
   * what it held before the batch, then `reads` (fresh values of the compared keys, as of
   * `revision`) and the held events apply.
   */
  discarded(batch: Batch, reads?: Map<string, StoredKV | null>, revision = 0): void {
    this.#settled(batch);
    this.#revert(batch);
    if (reads) for (const [key, kv] of reads) if (this.layout.parse(key)?.kind !== 'own') this.#applyNow(key, kv, kv ? kv.modRevision : revision);
    this.#advance(revision);
    this.#release();
  }

  #settled(batch: Batch): void {
    this.end(batch);
    if (this.#inFlight.delete(batch)) {
      for (const key of batch.keys()) {
        const count = (this.#heldKeys.get(key) ?? 1) - 1;
        if (count > 0) this.#heldKeys.set(key, count);
        else this.#heldKeys.delete(key);
      }
    }
    if (this.#holdAll === batch) this.#holdAll = undefined;
    batch.settle();
  }

  #revert(batch: Batch): void {
    for (const touched of batch.services.values()) this.access.putService(touched.namespace, touched.name, touched.base);
    const registry = this.access.registry();
    if (registry) {
      for (const touched of batch.addresses.values()) {
        if (touched.base) registry.putAddress(touched.base);
        else registry.deleteAddress(touched.name);
      }
    }
    // ServiceCIDRs and RangeAllocations the batch wrote go back to their values when it began (a
    // batch in flight before it may have changed them since the last commit). Those it did not
    // write keep what they hold now: a watch event may have brought a newer value meanwhile.
    for (const [key, text] of this.#wholeValues()) {
      if (!batch.written.has(key)) continue;
      const base = batch.wholeBase.get(key);
      if (text === base) continue;
      const parsed = this.layout.parse(key);
      if (parsed?.kind === 'servicecidr') {
        registry?.putStoredServiceCIDR(parsed.name, base === undefined ? undefined : JSON.parse(base) as ServiceCIDR);
      } else if (parsed?.kind === 'range') {
        const binding = this.#ranges.find((r) => r.key === key)!;
        binding.allocator.restore(base === undefined ? { range: rangeText(binding.allocator), data: new Uint8Array(0) } : decodeRangeAllocation(key, Buffer.from(base)));
      }
    }
  }

  // Applies the held events whose keys no batch in flight holds, in the order they came.
  #release(): void {
    if (this.#holdAll !== undefined || this.#buffer.length === 0) return;
    const buffer = this.#buffer;
    this.#buffer = [];
    for (const event of buffer) this.apply(event.key, event.kv, event.revision);
  }

  dispose(): void {
    this.ipam.dispose();
  }
}

function rangeText(allocator: ClusterIPAllocator | NodePortAllocator): string {
  return 'portRange' in allocator ? allocator.portRange : allocator.cidr;
}

// A stored object read as the API server's decoder reads it; anything else is ERR_STORE_CORRUPT.
function readStored<T>(key: string, value: Buffer, shape: typeof SERVICE_SHAPE, kind: string): T {
  const parsed = parseStored(key, value);
  try {
    return readObject<T>(parsed, shape, { inPlace: true, kind });
  } catch (error) {
    throw new StoreError('ERR_STORE_CORRUPT', `${key}: ${(error as Error).message}`, { key, cause: error });
  }
}
