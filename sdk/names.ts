import { DATA_CLAIM_TEMPLATE } from "./constants";

/**
 * StatefulSet names are limited to 52 characters: the controller adds an 11-character
 * `controller-revision-hash` suffix to a 63-character label value.
 */
export const STATEFULSET_NAME_MAX = 52;

/** The Kubernetes names of everything one deployment creates, derived from the component name. */
export interface ResourceNames {
    statefulSet: string;
    /** The governing Service: gives every pod a stable DNS name. */
    headlessService: string;
    /** The Service clients connect to. */
    clientService: string;
    configMap: string;
    /** The Secret the component creates for the password (unused with an existing Secret). */
    secret: string;
}

export function resourceNames(name: string): ResourceNames {
    return {
        statefulSet: name,
        headlessService: `${name}-headless`,
        clientService: name,
        configMap: `${name}-config`,
        secret: `${name}-auth`,
    };
}

/** Name of the pod with this ordinal. */
export function podName(names: ResourceNames, ordinal: number): string {
    return `${names.statefulSet}-${ordinal}`;
}

/** Name of the claim the StatefulSet controller creates for this ordinal. */
export function claimName(names: ResourceNames, ordinal: number): string {
    return `${DATA_CLAIM_TEMPLATE}-${names.statefulSet}-${ordinal}`;
}

/** PersistentVolumes are cluster-scoped: the namespace is part of the name. */
export function persistentVolumeName(namespace: string, names: ResourceNames, ordinal: number): string {
    return `${namespace}-${names.statefulSet}-${DATA_CLAIM_TEMPLATE}-${ordinal}`;
}

/** The cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
    return `${service}.${namespace}.svc.cluster.local`;
}
