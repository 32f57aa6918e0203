// The 1.33+ allocator of one IP family: the MetaAllocator over every ServiceCIDR's CIDR of that
// family, with one IPAddress object per allocated IP as the lock (ipallocator/cidrallocator.go).
//
// Each CIDR gets a per-range allocator (a ClusterIPAllocator: same bands and scan, IPAddress-model
// draws) whose bitmap mirrors "an IPAddress exists for this address": an IP taken through one CIDR
// is marked in every CIDR that contains it, so overlapping ServiceCIDRs never hand out one IP twice.
import { ClusterIPAllocator, type AllocatorOptions } from '../allocator.js';
import { AllocatorError, alreadyAllocatedError, mismatchedNetworkError, rangeFullError } from '../errors.js';
import { cidrContains, parseCIDR, type ParsedCIDR } from '../cidr.js';
import { ipv6PartsToBigInt } from '../ip-format.js';
import { parseIPSloppy, type SloppyIP } from '../ip-sloppy.js';
import type { FamilyAllocator, ServiceRef } from './family-allocator.js';
import { shuffled, type OrderSource } from './order-source.js';
import type { IPFamily } from './service-fields.js';

/** Per-CIDR counters, as kube_apiserver_clusterip_allocator_allocation(_errors)_total count them. */
export interface CIDRCounters { staticAllocations: number; dynamicAllocations: number; staticErrors: number; dynamicErrors: number }

/** One CIDR of one or more ServiceCIDRs, and its per-range allocator. */
export interface CIDRItem {
  readonly cidr: ParsedCIDR;
  /** null for CIDRs without a usable address (/31, /32, /128): always full, never contains an IP. */
  readonly allocator: ClusterIPAllocator | null;
  /** ServiceCIDR objects naming this CIDR. */
  readonly serviceCIDRs: Set<string>;
  /** Ready when one of its ServiceCIDRs is ready and not being deleted. */
  ready: boolean;
  readonly counters: CIDRCounters;
}

/** Where the meta allocator creates and deletes IPAddress objects (service-cidrs.ts). */
export interface IPAddressSink {
  /**
   * Creates the IPAddress for a canonical IP; false when one exists (AlreadyExists). `takenIn`:
   * the per-range allocator that already holds the IP (a dynamic draw's), not marked again.
   */
  createAllocated(family: IPFamily, name: string, owner: ServiceRef, takenIn?: ClusterIPAllocator): boolean;
  deleteAddress(name: string): void;
}

export function addressValue(ip: SloppyIP): bigint {
  return ip.family === 4 ? BigInt(ip.value) : ipv6PartsToBigInt(ip.parts);
}

/**
 * A test of servicecidr.PrefixContainsIP against a fixed set of CIDRs, for loops over many IPs:
 * IPv4 compared as numbers, IPv6 as BigInt only when there is an IPv6 CIDR to compare with.
 */
export function hostTester(cidrs: readonly ParsedCIDR[]): (ip: SloppyIP) => boolean {
  const v4 = cidrs.filter((c) => c.family === 4).map((c) => {
    const network = Number(c.network);
    return { first: network + 1, last: network + 2 ** (32 - c.prefix) - 2 };
  });
  const v6 = cidrs.filter((c) => c.family === 6);
  return (ip) => {
    if (ip.family === 4) {
      const value = ip.value;
      for (const range of v4) if (value >= range.first && value <= range.last) return true;
      return false;
    }
    if (v6.length === 0) return false;
    const value = addressValue(ip);
    return v6.some((c) => prefixContainsIP(c, value));
  };
}

/** servicecidr.PrefixContainsIP: inside the CIDR, neither its network address nor (IPv4) its broadcast. */
export function prefixContainsIP(cidr: ParsedCIDR, address: bigint): boolean {
  if (!cidrContains(cidr, address) || address === cidr.network) return false;
  if (cidr.family === 4) {
    const broadcast = cidr.network + (1n << BigInt(32 - cidr.prefix)) - 1n;
    if (address === broadcast) return false;
  }
  return true;
}

export class MetaAllocator implements FamilyAllocator {
  /** Items in creation order; the allocation order is drawn per call. */
  readonly items = new Map<string, CIDRItem>();
  // The items' values in the same order, for the per-IP loops: a Map iterator per create and per
  // IPAddress was a measurable share of a 20,000-Service run's garbage.
  #itemList: CIDRItem[] = [];

  constructor(
    readonly family: IPFamily,
    private readonly sink: IPAddressSink,
    private readonly order: OrderSource,
    private readonly optionsFor: (cidr: string) => AllocatorOptions,
    /** 1.33's dual write: the legacy bitmap of the flag's range for this family, written alongside. */
    readonly shadow: { cidr: ParsedCIDR; allocator: ClusterIPAllocator } | null,
  ) {}

  /** Adds the item for a CIDR (IPv6 shorter than /64 gets none, as upstream logs and skips it). */
  addCIDR(text: string, initialAddresses: Iterable<string>): CIDRItem | undefined {
    const existing = this.items.get(text);
    if (existing) return existing;
    const cidr = parseCIDR(text);
    if (cidr.family === 6 && cidr.prefix < 64) return undefined;
    const usable = cidr.family === 4 ? cidr.prefix < 31 : cidr.prefix < 128;
    const allocator = usable ? new ClusterIPAllocator(cidr.cidr, this.optionsFor(cidr.cidr)) : null;
    if (allocator) {
      for (const ip of initialAddresses) if (allocator.contains(ip)) allocator.allocate(ip);
    }
    const item: CIDRItem = { cidr, allocator, serviceCIDRs: new Set(), ready: false, counters: { staticAllocations: 0, dynamicAllocations: 0, staticErrors: 0, dynamicErrors: 0 } };
    this.items.set(text, item);
    this.#itemList = [...this.items.values()];
    return item;
  }

  removeCIDR(text: string): void {
    this.items.get(text)?.allocator?.dispose();
    this.items.delete(text);
    this.#itemList = [...this.items.values()];
  }

  /** Marks an address taken in every per-range allocator that holds it (an IPAddress was created). */
  markTaken(name: string, takenIn?: ClusterIPAllocator): void {
    const list = this.#itemList;
    for (let i = 0; i < list.length; i++) {
      const allocator = list[i].allocator;
      if (allocator && allocator !== takenIn && allocator.contains(name) && !allocator.has(name)) allocator.allocate(name);
    }
  }

  /** The reverse of markTaken (an IPAddress was deleted). */
  markFree(name: string): void {
    const list = this.#itemList;
    for (let i = 0; i < list.length; i++) list[i].allocator?.release(name);
  }

  // AllocateNextService: the CIDRs in random order, moving on when full or not ready.
  allocateNext(owner: ServiceRef): string {
    // One CIDR (the usual case) draws nothing from the order stream: no list to shuffle.
    const candidates = this.#itemList.length === 1 ? this.#itemList : shuffled(this.#itemList, this.order);
    for (const item of candidates) {
      if (!item.ready) continue;
      const allocator = item.allocator;
      if (allocator === null) continue; // zero-size range: full before any draw
      let ip: string;
      try {
        ip = allocator.allocateNext();
      } catch (error) {
        if (!(error instanceof AllocatorError) || error.code !== 'ERR_FULL') throw error;
        item.counters.dynamicErrors++;
        continue;
      }
      item.counters.dynamicAllocations++;
      this.sink.createAllocated(this.family, ip, owner, allocator);
      if (this.shadow && cidrContains(this.shadow.cidr, addressValue(parseIPSloppy(ip)!))) {
        try {
          this.shadow.allocator.allocate(ip);
        } catch (error) {
          if (!(error instanceof AllocatorError)) throw error;
          // Upstream moves on to the next CIDR and leaves the IPAddress it created behind.
          continue;
        }
      }
      return ip;
    }
    throw rangeFullError();
  }

  // AllocateService: the first ready CIDR containing the IP (random order among several).
  allocate(owner: ServiceRef, ip: SloppyIP): void {
    const address = addressValue(ip);
    const containing = this.#itemList.filter((item) => item.ready && prefixContainsIP(item.cidr, address));
    if (containing.length === 0) throw mismatchedNetworkError();
    const item = containing[this.order.pick(containing.length)];
    if (this.shadow && cidrContains(this.shadow.cidr, address)) {
      // Written first; upstream does not undo it when the IPAddress below turns out to exist.
      this.shadow.allocator.allocate(ip.canonical);
    }
    // PrefixContainsIP keeps the IP inside the item's usable range, so only the lock can refuse it.
    if (!this.sink.createAllocated(this.family, ip.canonical, owner)) {
      item.counters.staticErrors++;
      throw alreadyAllocatedError();
    }
    item.counters.staticAllocations++;
  }

  // Release: only through a CIDR that contains the IP (ready or not); none -> nothing is deleted.
  release(ip: SloppyIP): void {
    const address = addressValue(ip);
    const holder = this.#itemList.some((item) => prefixContainsIP(item.cidr, address));
    if (!holder) return;
    if (this.shadow && cidrContains(this.shadow.cidr, address)) this.shadow.allocator.release(ip.canonical);
    this.sink.deleteAddress(ip.canonical);
  }

  dispose(): void {
    for (const item of this.items.values()) item.allocator?.dispose();
    this.items.clear();
    this.#itemList = [];
    this.shadow?.allocator.dispose();
  }
}
