// One process's view of the objects a prefix holds in etcd: a ServiceIPAM whose stored objects
// are etcd's (loaded page by page, then kept current by watch events), and each key's mod
// revision. Requests run on the view as on any ServiceIPAM; the journal (storage-access.ts)
// records which stored objects they touch and what those held before, so the view can tell what
// to write (WriteSet: the changed keys, each compared with the revision the view read) and, when
// the write does not land, put back what etcd holds.
//
// A value is applied only when its revision is newer than the key's in the view (watch events
// can trail a transaction's own result); deletions leave a tombstone revision for that reason.
// While a write is in flight, watch events wait (buffered) until it is settled.
import type { Service } from 'kubernetes-types/core/v1.js';
import { ServiceIPAM, type ServiceIPAMOptions } from '../services/service-ipam.js';
import { STORAGE, SYSTEM_FIELDS } from '../internal.js';
import type { StorageAccess, StorageJournal } from '../services/storage-access.js';
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
export interface StoreProblem { key: string; message: string }

interface TouchedService { namespace: string; name: string; base: StoredService | undefined }
interface TouchedAddress { name: string; base: AddressEntry | undefined }

/** The stored objects one batch of requests touched, and what each held before. */
class BatchJournal implements StorageJournal {
  readonly services = new Map<string, TouchedService>();
  readonly addresses = new Map<string, TouchedAddress>();

  constructor(private readonly view: StoreView) {}

  service(namespace: string, name: string): void {
    const key = this.view.layout.service(namespace, name);
    if (!this.services.has(key)) this.services.set(key, { namespace, name, base: this.view.access.service(namespace, name) });
  }

  ipAddress(name: string): void {
    const key = this.view.layout.ipAddress(name);
    if (!this.addresses.has(key)) this.addresses.set(key, { name, base: this.view.access.registry()?.address(name) });
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
  #journal: BatchJournal | undefined;
  #buffer: Array<{ key: string; kv: StoredKV | null; revision: number }> | undefined;
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
   * the view holds for the key. While a write is in flight, it waits in the buffer.
   */
  apply(key: string, kv: StoredKV | null, revision: number): void {
    if (this.#buffer) {
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

  // ---- a batch of requests ----

  /** Starts recording what the requests about to run touch. */
  begin(): void {
    if (this.#journal) throw new Error('a batch is already open');
    this.#journal = new BatchJournal(this);
    this.access.setJournal(this.#journal);
  }

  /** What the batch changed, as compares and writes. */
  writeSet(): WriteSet {
    const journal = this.#journal!;
    const compares: Compare[] = [];
    const writes: WriteOp[] = [];
    let bytes = 0;
    const write = (key: string, present: boolean, value: string | undefined) => {
      compares.push({ key, modRevision: present ? this.keyRevision(key) : 0 });
      if (value === undefined) {
        writes.push({ key, delete: true });
        bytes += key.length;
      } else {
        writes.push({ key, value });
        bytes += key.length + value.length;
      }
    };
    for (const [key, touched] of journal.services) {
      const now = this.access.service(touched.namespace, touched.name);
      if (now === touched.base || now?.text === touched.base?.text) continue;
      write(key, touched.base !== undefined, now?.text);
    }
    const registry = this.access.registry();
    for (const [key, touched] of journal.addresses) {
      const now = registry?.address(touched.name);
      if (now === touched.base) continue;
      const text = now ? JSON.stringify(now.toIPAddress()) : undefined;
      if (text !== undefined && touched.base !== undefined && text === JSON.stringify(touched.base.toIPAddress())) continue;
      write(key, touched.base !== undefined, text);
    }
    if (registry) {
      const names = new Set([...registry.storedServiceCIDRNames(), ...this.#committedServiceCIDRNames()]);
      for (const name of names) {
        const key = this.layout.serviceCIDR(name);
        const object = registry.storedServiceCIDR(name);
        const text = object ? JSON.stringify(object) : undefined;
        if (text === this.#committed.get(key)) continue;
        write(key, this.#committed.has(key), text);
      }
    }
    for (const { key, allocator } of this.#ranges) {
      const text = encodeRangeAllocation(allocator.snapshot());
      if (text === this.#committed.get(key)) continue;
      write(key, this.#committed.has(key), text);
    }
    return { compares, writes, bytes };
  }

  *#committedServiceCIDRNames(): Generator<string> {
    for (const key of this.#committed.keys()) if (key.startsWith(this.layout.serviceCIDRs)) yield key.slice(this.layout.serviceCIDRs.length);
  }

  /** Holds watch events until the batch is settled. */
  holdEvents(): void {
    this.#buffer ??= [];
  }

  /** Whether a held event changes an object (anything but this package's own keys). */
  holdsChanges(): boolean {
    return this.#buffer?.some((event) => this.layout.parse(event.key)?.kind !== 'own' && event.revision > this.keyRevision(event.key)) === true;
  }

  /** The batch's writes landed at `revision`. */
  committed(set: WriteSet, revision: number): void {
    for (const op of set.writes) {
      this.#revisions.set(op.key, revision);
      const kind = this.layout.parse(op.key)?.kind;
      if (kind !== 'servicecidr' && kind !== 'range') continue;
      if ('delete' in op) this.#committed.delete(op.key);
      else this.#committed.set(op.key, typeof op.value === 'string' ? op.value : op.value.toString('utf8'));
    }
    this.#close();
    this.#advance(revision);
    this.#release();
  }

  /**
   * The batch's writes did not land: every object it touched goes back to what etcd held, then
   * `reads` (fresh values of the compared keys, as of `revision`) and the held events apply.
   */
  discarded(reads?: Map<string, StoredKV | null>, revision = 0): void {
    const journal = this.#journal;
    this.#close();
    if (journal) this.#revert(journal);
    if (reads) for (const [key, kv] of reads) if (this.layout.parse(key)?.kind !== 'own') this.#applyNow(key, kv, kv ? kv.modRevision : revision);
    this.#advance(revision);
    this.#release();
  }

  #close(): void {
    this.access.setJournal(undefined);
    this.#journal = undefined;
  }

  #revert(journal: BatchJournal): void {
    for (const touched of journal.services.values()) this.access.putService(touched.namespace, touched.name, touched.base);
    const registry = this.access.registry();
    if (registry) {
      for (const touched of journal.addresses.values()) {
        if (touched.base) registry.putAddress(touched.base);
        else registry.deleteAddress(touched.name);
      }
      for (const name of new Set([...registry.storedServiceCIDRNames(), ...this.#committedServiceCIDRNames()])) {
        const key = this.layout.serviceCIDR(name);
        const text = this.#committed.get(key);
        const object = registry.storedServiceCIDR(name);
        if ((object ? JSON.stringify(object) : undefined) === text) continue;
        registry.putStoredServiceCIDR(name, text === undefined ? undefined : JSON.parse(text) as ServiceCIDR);
      }
    }
    for (const { key, allocator } of this.#ranges) {
      const text = this.#committed.get(key);
      const snapshot = text === undefined ? { range: rangeText(allocator), data: new Uint8Array(0) } : decodeRangeAllocation(key, Buffer.from(text));
      if (text !== encodeRangeAllocation(allocator.snapshot())) allocator.restore(snapshot);
    }
  }

  #release(): void {
    const buffer = this.#buffer;
    this.#buffer = undefined;
    if (!buffer) return;
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
