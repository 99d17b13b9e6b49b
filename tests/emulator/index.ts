// The pod emulator: runs Kubernetes StatefulSets, Services, ConfigMaps, Secrets and claims on
// this machine with the host's binaries. See README.md for what is honoured and what is not.
export { Emulator } from "./emulator";
export { hostRequirements } from "./requirements";
export type { EmulatorOptions, ExecOptions, ClaimStatus } from "./emulator";
export type { PodStatus, PodPhase } from "./pod";
export type { ContainerStatus, ContainerState, BackoffOptions } from "./container-runtime";
export { leftovers, cleanupStale, FAMILY_PREFIX } from "./cleanup";
export { IGNORED_FIELDS } from "./schema";
export { EmulatorRefusal, validateObjects } from "./validation";
