// The stored Services by "namespace/name", and which of them list each node port: releasing a
// port another Service still lists is one of the API server's own hazards (hazards.ts), told by
// looking the port up here rather than scanning every Service.
import type { Service } from 'kubernetes-types/core/v1.js';
import { heldNodePorts } from './node-ports.js';

const NO_KEYS: readonly string[] = Object.freeze([]);

export class ServiceStore {
  readonly #services = new Map<string, Service>();
  readonly #portListers = new Map<number, string[]>();

  get size(): number {
    return this.#services.size;
  }

  get(key: string): Service | undefined {
    return this.#services.get(key);
  }

  has(key: string): boolean {
    return this.#services.has(key);
  }

  values(): IterableIterator<Service> {
    return this.#services.values();
  }

  entries(): IterableIterator<[string, Service]> {
    return this.#services.entries();
  }

  set(key: string, service: Service): void {
    const old = this.#services.get(key);
    if (old) this.#unindex(key, old);
    this.#services.set(key, service);
    this.#index(key, service);
  }

  delete(key: string): Service | undefined {
    const old = this.#services.get(key);
    if (!old) return undefined;
    this.#services.delete(key);
    this.#unindex(key, old);
    return old;
  }

  /** The keys of the stored Services that list a node port (or hold it as their health check port). */
  listers(port: number): readonly string[] {
    return this.#portListers.get(port) ?? NO_KEYS;
  }

  #index(key: string, service: Service): void {
    if (!listsNodePorts(service)) return;
    for (const port of heldNodePorts(service)) {
      const keys = this.#portListers.get(port);
      if (keys) keys.push(key);
      else this.#portListers.set(port, [key]);
    }
  }

  #unindex(key: string, service: Service): void {
    if (!listsNodePorts(service)) return;
    for (const port of heldNodePorts(service)) {
      const keys = this.#portListers.get(port);
      if (!keys) continue;
      const at = keys.indexOf(key);
      if (at >= 0) keys.splice(at, 1);
      if (keys.length === 0) this.#portListers.delete(port);
    }
  }
}

// Most Services list no node port: a look at the fields before building any list.
function listsNodePorts(service: Service): boolean {
  const spec = service.spec;
  if (!spec) return false;
  if (spec.healthCheckNodePort) return true;
  const ports = spec.ports;
  if (!ports) return false;
  for (let i = 0; i < ports.length; i++) if (ports[i].nodePort) return true;
  return false;
}
