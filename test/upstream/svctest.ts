// svctest.MakeService and its tweaks (pkg/api/service/testing), driven by data: each tweak is an
// object in the upstream tables (data/*.json) naming what the Go tweak does.
import type { Service } from 'kubernetes-types/core/v1.js';

export interface Tweak {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  /** [name, port, targetPort, protocol] per entry (SetPorts + MakeServicePort). */
  ports?: Array<[string, number, number, string]>;
  uniqueNodePorts?: boolean;
  nodePorts?: number[];
  allocateLoadBalancerNodePorts?: boolean;
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  headless?: boolean;
}

function setType(spec: NonNullable<Service['spec']>, type: NonNullable<Tweak['type']>): void {
  spec.type = type;
  delete spec.externalName;
  delete spec.allocateLoadBalancerNodePorts;
  spec.internalTrafficPolicy = 'Cluster';
  if (type === 'ClusterIP') {
    for (const port of spec.ports ?? []) delete port.nodePort;
    delete spec.externalTrafficPolicy;
  } else if (type === 'NodePort') {
    spec.externalTrafficPolicy = 'Cluster';
  } else if (type === 'LoadBalancer') {
    spec.externalTrafficPolicy = 'Cluster';
    spec.allocateLoadBalancerNodePorts = true;
  } else {
    spec.externalName = 'foo.bar.com';
    delete spec.externalTrafficPolicy;
    delete spec.clusterIP;
    delete spec.clusterIPs;
    delete spec.internalTrafficPolicy;
  }
}

/** svctest.MakeService(name, tweaks...): ClusterIP, selector k=v, one port 93→76/TCP. */
export function makeService(name: string, tweaks: readonly Tweak[] = []): Service {
  const spec: NonNullable<Service['spec']> = { selector: { k: 'v' }, sessionAffinity: 'None' };
  setType(spec, 'ClusterIP');
  spec.ports = [{ name: '', port: 93, targetPort: 76, protocol: 'TCP' }];
  for (const tweak of tweaks) {
    if (tweak.type) setType(spec, tweak.type);
    if (tweak.ports) spec.ports = tweak.ports.map(([portName, port, targetPort, protocol]) => ({ name: portName, port, targetPort, protocol }));
    if (tweak.uniqueNodePorts) spec.ports!.forEach((p, i) => { p.nodePort = 30000 + i; });
    if (tweak.nodePorts) tweak.nodePorts.forEach((n, i) => { spec.ports![i].nodePort = n; });
    if (tweak.allocateLoadBalancerNodePorts !== undefined) spec.allocateLoadBalancerNodePorts = tweak.allocateLoadBalancerNodePorts;
    if (tweak.externalTrafficPolicy !== undefined) {
      if (tweak.externalTrafficPolicy === '') delete spec.externalTrafficPolicy;
      else spec.externalTrafficPolicy = tweak.externalTrafficPolicy;
    }
    if (tweak.healthCheckNodePort !== undefined) spec.healthCheckNodePort = tweak.healthCheckNodePort;
    if (tweak.ipFamilies) spec.ipFamilies = tweak.ipFamilies;
    if (tweak.ipFamilyPolicy) spec.ipFamilyPolicy = tweak.ipFamilyPolicy;
    if (tweak.headless) {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
    }
  }
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec };
}
