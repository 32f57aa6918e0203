// The stored Services. Each is kept as its JSON text — what the API server returns and what etcd
// holds for it — with the few fields the allocators read (service-allocations.ts): one string
// and one small record per Service instead of a dozen objects, so that a simulation holding a
// million Services keeps a small heap and the garbage collector has little to move. Reading a
// Service parses its text: every reader gets an object of its own.
// Also indexed: which Services list each node port (releasing a port another Service still lists
// is one of the API server's hazards, hazards.ts).
import type { Service } from 'kubernetes-types/core/v1.js';
import { NO_STRINGS, allocationsKey, heldNodePorts, type ServiceAllocations } from './service-allocations.js';

export class StoredService implements ServiceAllocations {
  readonly namespace: string;
  readonly name: string;
  readonly type: string;
  readonly clusterIP: string | undefined;
  readonly clusterIPs: readonly string[];
  readonly nodePorts: readonly number[];
  /** The Service as JSON text. */
  readonly text: string;

  /** Records a Service object as it is now (the object may change afterwards; this does not). */
  constructor(service: Service, text = JSON.stringify(service)) {
    const spec = service.spec;
    this.namespace = service.metadata?.namespace || 'default';
    this.name = service.metadata?.name ?? '';
    this.type = spec?.type ?? '';
    this.clusterIP = spec?.clusterIP;
    const ips = spec?.clusterIPs;
    this.clusterIPs = ips && ips.length > 0 ? ips.slice() : NO_STRINGS;
    this.nodePorts = heldNodePorts(service);
    this.text = text;
  }

  get key(): string {
    return allocationsKey(this);
  }

  /** A fresh object of the Service, the reader's own. */
  read(): Service {
    return JSON.parse(this.text) as Service;
  }
}

export class ServiceStore {
  // namespace → name → Service: no "namespace/name" string is built per Service.
  readonly #byNamespace = new Map<string, Map<string, StoredService>>();
  #size = 0;
  readonly #portListers = new Map<number, StoredService[]>();

  get size(): number {
    return this.#size;
  }

  get(namespace: string, name: string): StoredService | undefined {
    return this.#byNamespace.get(namespace || 'default')?.get(name);
  }

  has(namespace: string, name: string): boolean {
    return this.#byNamespace.get(namespace || 'default')?.has(name) === true;
  }

  /**
   * Stores a Service whose name the caller found free (has() was false): one map lookup fewer
   * than put(), on the path every create takes.
   */
  add(stored: StoredService): void {
    let names = this.#byNamespace.get(stored.namespace);
    if (!names) this.#byNamespace.set(stored.namespace, (names = new Map()));
    names.set(stored.name, stored);
    this.#size++;
    this.#index(stored);
  }

  *values(): IterableIterator<StoredService> {
    for (const names of this.#byNamespace.values()) yield* names.values();
  }

  /** Stores a Service, replacing the one of its name. */
  put(stored: StoredService): void {
    let names = this.#byNamespace.get(stored.namespace);
    if (!names) this.#byNamespace.set(stored.namespace, (names = new Map()));
    const old = names.get(stored.name);
    names.set(stored.name, stored);
    if (old) this.#unindex(old);
    else this.#size++;
    this.#index(stored);
  }

  delete(namespace: string, name: string): StoredService | undefined {
    const names = this.#byNamespace.get(namespace || 'default');
    const old = names?.get(name);
    if (!old) return undefined;
    names!.delete(name);
    if (names!.size === 0) this.#byNamespace.delete(old.namespace);
    this.#size--;
    this.#unindex(old);
    return old;
  }

  /** The stored Services that list a node port (or hold it as their health check port). */
  listers(port: number): readonly StoredService[] {
    return this.#portListers.get(port) ?? NO_LISTERS;
  }

  #index(stored: StoredService): void {
    if (stored.nodePorts.length === 0) return;
    for (const port of stored.nodePorts) {
      const list = this.#portListers.get(port);
      if (list) list.push(stored);
      else this.#portListers.set(port, [stored]);
    }
  }

  #unindex(stored: StoredService): void {
    for (const port of stored.nodePorts) {
      const list = this.#portListers.get(port);
      if (!list) continue;
      const at = list.indexOf(stored);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.#portListers.delete(port);
    }
  }
}

const NO_LISTERS: readonly StoredService[] = Object.freeze([]);
