// The API server's ValidateService and ValidateServiceUpdate (pkg/apis/core/validation), which run
// after the allocation stage: the errors a request sees when its IPs and ports could be allocated.
// Fields outside clusterip's scope (annotations, label syntax, loadBalancerClass syntax, source
// ranges' values, appProtocol, trafficDistribution) are not checked: see the README's deviations.
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { parseIPSloppy } from '../ip-sloppy.js';
import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from './field-errors.js';
import {
  externallyAccessible, isHeadlessForValidation, needsHealthCheck, serviceType, validateClusterIPFields,
  ipTextProblem, validateUpgradeDowngrade, type IPTextRules,
} from './service-fields.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const KUBELET_PORT = 10250;
/** core.MaxClientIPServiceAffinitySeconds: one day. */
const MAX_CLIENT_IP_TIMEOUT = 86400;
const ONLY_LOAD_BALANCER = "may only be used when `type` is 'LoadBalancer'";
const PORT_RANGE = 'must be between 1 and 65535, inclusive';

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function dns1035LabelErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push('must be no more than 63 characters');
  if (!DNS1035.test(value)) {
    out.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  }
  return out;
}

export function dns1123LabelErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(value)) {
    out.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  }
  return out;
}

export function dns1123SubdomainErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > 253) out.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(value)) {
    out.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  }
  return out;
}

// IsValidPortName (IANA_SVC_NAME).
function portNameErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) out.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) out.push('must contain at least one letter (a-z)');
  if (name.includes('--')) out.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) out.push('must not begin or end with a hyphen');
  return out;
}

const isPortNumber = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;

/** A ServicePort key as Go's %#v prints it in a Duplicate error. */
function servicePortKey(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:"${protocol}", AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

// `names`: the names of the ports before this one; undefined for a Service's only port, which
// alone may go without a name.
function validateServicePort(port: ServicePort, names: Set<string> | undefined, index: number): FieldError[] {
  const errors: FieldError[] = [];
  const path = `spec.ports[${index}]`;
  const name = port.name ?? '';
  if (names !== undefined && name === '') {
    errors.push(required(`${path}.name`));
  } else if (name !== '') {
    for (const message of dns1123LabelErrors(name)) errors.push(invalid(`${path}.name`, name, message));
    if (names?.has(name)) errors.push(duplicate(`${path}.name`, name));
    else names?.add(name);
  }
  if (!isPortNumber(port.port)) errors.push(invalid(`${path}.port`, port.port ?? 0, PORT_RANGE));
  if (!port.protocol) errors.push(required(`${path}.protocol`));
  else if (!PROTOCOLS.includes(port.protocol)) errors.push(notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  const target = port.targetPort;
  if (typeof target === 'number') {
    if (!isPortNumber(target)) errors.push(invalid(`${path}.targetPort`, target, PORT_RANGE));
  } else if (typeof target === 'string') {
    for (const message of portNameErrors(target)) errors.push(invalid(`${path}.targetPort`, target, message));
  }
  return errors;
}

// ValidateNonSpecialIP: addresses a Service may not claim as an external IP.
function nonSpecialIPErrors(field: string, text: string): FieldError[] {
  const ip = parseIPSloppy(text);
  if (ip === null) return [];
  const reject = (detail: string) => [invalid(field, text, detail)];
  if (ip.family === 4) {
    const v = ip.value;
    if (v === 0) return reject('may not be unspecified (0.0.0.0)');
    if (v >>> 24 === 127) return reject('may not be in the loopback range (127.0.0.0/8, ::1/128)');
    if (v >>> 16 === 0xa9fe) return reject('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
    if (v >>> 8 === 0xe00000) return reject('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
    return [];
  }
  const p = ip.parts;
  if (p.every((x) => x === 0)) return reject('may not be unspecified (::)');
  if (p.slice(0, 7).every((x) => x === 0) && p[7] === 1) return reject('may not be in the loopback range (127.0.0.0/8, ::1/128)');
  if ((p[0] & 0xffc0) === 0xfe80) return reject('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
  if ((p[0] & 0xffc0) === 0xff00 && (p[0] & 0x000f) === 2) return reject('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
  return [];
}

// ValidateService, for the fields the Service IP and port pipeline is about.
export function validateService(service: Service, rules: IPTextRules): FieldError[] {
  const errors: FieldError[] = [];
  const meta = service.metadata ?? {};
  const spec = service.spec ?? {};
  const type = serviceType(service);
  const headless = isHeadlessForValidation(service);
  if (!meta.name) {
    errors.push(required('metadata.name', 'name or generateName is required'));
  } else {
    for (const message of dns1035LabelErrors(meta.name)) errors.push(invalid('metadata.name', meta.name, message));
  }
  if (!meta.namespace) errors.push(required('metadata.namespace'));
  else for (const message of dns1123LabelErrors(meta.namespace)) errors.push(invalid('metadata.namespace', meta.namespace, message));

  const ports = spec.ports ?? [];
  if (ports.length === 0 && !headless && type !== 'ExternalName') errors.push(required('spec.ports'));
  if (type === 'LoadBalancer') {
    ports.forEach((port, i) => {
      if (port.port === KUBELET_PORT) errors.push(invalid(`spec.ports[${i}]`, port.port, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`));
    });
    if (headless) errors.push(invalid('spec.clusterIPs[0]', spec.clusterIPs![0], "may not be set to 'None' for LoadBalancer services"));
  } else if (type === 'NodePort') {
    if (headless) errors.push(invalid('spec.clusterIPs[0]', spec.clusterIPs![0], "may not be set to 'None' for NodePort services"));
  } else if (type === 'ExternalName') {
    if ((spec.clusterIPs ?? []).length > 0) errors.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if ((spec.ipFamilies ?? []).length > 0) errors.push(forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errors.push(forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (cname.length > 0) for (const message of dns1123SubdomainErrors(cname)) errors.push(invalid('spec.externalName', cname, message));
    else errors.push(required('spec.externalName'));
  }

  const names = ports.length > 1 ? new Set<string>() : undefined;
  for (let i = 0; i < ports.length; i++) {
    const portErrors = validateServicePort(ports[i], names, i);
    if (portErrors.length > 0) errors.push(...portErrors);
  }

  const affinity = spec.sessionAffinity ?? '';
  if (affinity === '') errors.push(required('spec.sessionAffinity'));
  else if (!AFFINITIES.includes(affinity)) errors.push(notSupported('spec.sessionAffinity', affinity, AFFINITIES));
  if (affinity === 'ClientIP') {
    const config = spec.sessionAffinityConfig;
    if (!config) errors.push(required('spec.sessionAffinityConfig', 'when session affinity type is ClientIP'));
    else if (!config.clientIP) errors.push(required('spec.sessionAffinityConfig.clientIP', 'when session affinity type is ClientIP'));
    else {
      const timeout = config.clientIP.timeoutSeconds;
      if (timeout === undefined || timeout === null) {
        errors.push(required('spec.sessionAffinityConfig.clientIP.timeoutSeconds', 'when session affinity type is ClientIP'));
      } else if (!(timeout > 0 && timeout <= MAX_CLIENT_IP_TIMEOUT)) {
        errors.push(invalid('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT}`));
      }
    }
  } else if (affinity === 'None' && spec.sessionAffinityConfig) {
    errors.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  errors.push(...validateClusterIPFields(service, rules));

  (spec.externalIPs ?? []).forEach((ip, i) => {
    const field = `spec.externalIPs[${i}]`;
    const problem = ipTextProblem(parseIPSloppy(ip), ip, rules.strict);
    if (problem !== undefined) errors.push(invalid(field, ip, problem));
    else errors.push(...nonSpecialIPErrors(field, ip));
  });

  if (type === '') errors.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errors.push(notSupported('spec.type', type, SERVICE_TYPES));

  if (type === 'ClusterIP') {
    ports.forEach((port, i) => {
      if (port.nodePort) errors.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  // Duplicates need two ports; most Services have one, and skip the sets.
  if (ports.length > 1) {
    const nodePorts = new Set<string>();
    ports.forEach((port, i) => {
      if (!port.nodePort) return;
      const key = `${port.protocol ?? ''}/${port.nodePort}`;
      if (nodePorts.has(key)) errors.push(duplicate(`spec.ports[${i}].nodePort`, port.nodePort));
      nodePorts.add(key);
    });
    const portKeys = new Set<string>();
    ports.forEach((port, i) => {
      const key = `${port.protocol ?? ''}/${port.port}`;
      if (portKeys.has(key)) errors.push(duplicate(`spec.ports[${i}]`, { protocol: port.protocol ?? '', port: port.port }, servicePortKey(port.protocol ?? '', port.port)));
      portKeys.add(key);
    });
  }

  if ((spec.loadBalancerSourceRanges ?? []).length > 0 && type !== 'LoadBalancer') errors.push(forbidden('spec.LoadBalancerSourceRanges', ONLY_LOAD_BALANCER));
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && type !== 'LoadBalancer') {
    errors.push(forbidden('spec.allocateLoadBalancerNodePorts', ONLY_LOAD_BALANCER));
  }
  if (type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    // The API server's path really lacks the "spec." prefix here.
    errors.push(required('allocateLoadBalancerNodePorts'));
  }
  if (type !== 'LoadBalancer' && spec.loadBalancerClass !== undefined && spec.loadBalancerClass !== null) {
    errors.push(forbidden('spec.loadBalancerClass', ONLY_LOAD_BALANCER));
  }

  const etp = spec.externalTrafficPolicy ?? '';
  if (!externallyAccessible(service)) {
    if (etp !== '') errors.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (etp === '') {
    errors.push(required('spec.externalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(etp)) {
    errors.push(notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  }
  const healthCheck = spec.healthCheckNodePort ?? 0;
  if (!needsHealthCheck(service)) {
    if (healthCheck !== 0) {
      errors.push(invalid('spec.healthCheckNodePort', healthCheck, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    }
  } else if (healthCheck === 0) {
    errors.push(required('spec.healthCheckNodePort'));
  } else if (!isPortNumber(healthCheck)) {
    errors.push(invalid('spec.healthCheckNodePort', healthCheck, PORT_RANGE));
  }

  const itp = spec.internalTrafficPolicy;
  if (itp === undefined || itp === null) {
    if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') errors.push(required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(itp)) {
    errors.push(notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  }
  return errors;
}

// ValidateServiceUpdate: the immutability rules first, then the whole object.
export function validateServiceUpdate(after: Service, before: Service, rules: IPTextRules): FieldError[] {
  const errors = validateUpgradeDowngrade(before, after);
  if (serviceType(before) === 'LoadBalancer' && serviceType(after) === 'LoadBalancer' && (before.spec?.loadBalancerClass ?? null) !== (after.spec?.loadBalancerClass ?? null)) {
    errors.push(invalid('spec.loadBalancerClass', after.spec?.loadBalancerClass ?? null, 'may not change once set'));
  }
  if (needsHealthCheck(before) && needsHealthCheck(after) && (after.spec?.healthCheckNodePort ?? 0) !== (before.spec?.healthCheckNodePort ?? 0)) {
    errors.push(forbidden('spec.healthCheckNodePort', 'field is immutable'));
  }
  return [...errors, ...validateService(after, rules)];
}
