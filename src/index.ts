export { ClusterIPAllocator, TraceOp } from './allocator.js';
export { NodePortAllocator } from './node-port-allocator.js';
export type { NodePortAllocatorOptions } from './node-port-allocator.js';
export { describePortRange, nodePortBandOffset } from './port-range.js';
export type { PortRangeInfo } from './port-range.js';
export type { AllocatorOptions, AllocatorStats, BandStats, Strategy, DrawModel } from './allocator.js';
export { AllocatorError } from './errors.js';
export type { AllocatorErrorCode } from './errors.js';
export { describeRange, bandOffsetFor } from './range.js';
export type { RangeInfo, RangeOptions } from './range.js';
export type { RangeSnapshot } from './snapshot-input.js';
export type { RandomInt } from './random-source.js';
export { ServiceIPAM, serviceKey } from './services/service-ipam.js';
export type { ServiceIPAMOptions, RequestOptions, RestoreOptions, RepairReport, RepairOptions } from './services/service-ipam.js';
export type { Hazard, HazardCode } from './services/hazards.js';
export { ObjectShapeError } from './services/object-shapes.js';
export {
  ResourceValidationError, ServiceValidationError, NetworkingValidationError, ServiceInternalError, ServiceExistsError,
  ServiceNotFoundError, ServiceConflictError, formatFieldError,
} from './services/field-errors.js';
export type { FieldError, FieldErrorType, TakenResource } from './services/field-errors.js';
export type { BitmapRepairReport, ServiceIP } from './services/repair.js';
export type { IPAddressRepairReport, RepairEvent, RepairAction } from './services/repair-ipaddress.js';
export { formatRepairEvent } from './services/repair-ipaddress.js';
export type { IPAMState } from './services/ipam-state.js';
export type { IPFamily, IPFamilyPolicy } from './services/service-fields.js';
export { SUPPORTED_VERSIONS, CURRENT_VERSION, VERSION_PROFILES, versionProfile } from './services/versions.js';
export type { KubernetesVersion, VersionProfile } from './services/versions.js';
export type { ServiceCIDR, IPAddress, Condition, ParentReference } from './services/network-objects.js';
export { DEFAULT_SERVICE_CIDR_NAME } from './services/network-objects.js';
