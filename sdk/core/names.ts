import { DATA_CLAIM_TEMPLATE } from "./constants";

/** What Kubernetes allows for a kind of name. */
export const NAME_LIMITS = {
    /** A DNS-1123 label: Services, pods' host names, label values. */
    label: 63,
    /**
     * A StatefulSet: the controller labels each revision `<name>-<10-character hash>`, and a label
     * value is at most 63 characters.
     */
    statefulSet: 52,
    /** A DNS-1123 subdomain: ConfigMaps, Secrets, PersistentVolumes and most other objects. */
    subdomain: 253,
} as const;

/** A child object's name and the limit that applies to it. */
export interface ChildName {
    /** What the child is, for messages ("the headless Service"). */
    what: string;
    name: string;
    limit: number;
}

/** The Kubernetes names of everything one deployment creates, derived from the component name. */
export interface ResourceNames {
    statefulSet: string;
    /** The governing Service: gives every pod a stable DNS name. */
    headlessService: string;
    /** The Service clients connect to. */
    clientService: string;
    /** The Service over every pod's Sentinel (mode sentinel). */
    sentinelService: string;
    /** The Service that reaches the current master, for clients that do not speak Sentinel (mode sentinel). */
    primaryService: string;
    /** The Service over the replicas, for reads (mode sentinel). */
    readService: string;
    /** The pods' service account, and its Role and RoleBinding: the labeler's right to label the pods (mode sentinel). */
    serviceAccount: string;
    labelerRole: string;
    /** The PodDisruptionBudget (more than one pod). */
    disruptionBudget: string;
    configMap: string;
    /** The Secret the component creates for the password (unused with an existing Secret). */
    secret: string;
}

export function resourceNames(name: string): ResourceNames {
    return {
        statefulSet: name,
        headlessService: `${name}-headless`,
        clientService: name,
        sentinelService: `${name}-sentinel`,
        primaryService: `${name}-primary`,
        readService: `${name}-read`,
        serviceAccount: name,
        labelerRole: `${name}-labeler`,
        disruptionBudget: name,
        configMap: `${name}-config`,
        secret: `${name}-auth`,
    };
}

/**
 * Every name a standalone deployment gives its children, with the limit of each. A topology
 * with more children (a Sentinel StatefulSet, say) lists them too, so that the budget of the
 * component's name is computed from its longest child.
 */
export function standaloneChildNames(name: string, maxOrdinal = 0): ChildName[] {
    const names = resourceNames(name);
    return [
        { what: "the StatefulSet", name: names.statefulSet, limit: NAME_LIMITS.statefulSet },
        { what: "the last pod's host name", name: podName(names, maxOrdinal), limit: NAME_LIMITS.label },
        { what: "the headless Service", name: names.headlessService, limit: NAME_LIMITS.label },
        { what: "the client Service", name: names.clientService, limit: NAME_LIMITS.label },
        { what: "the ConfigMap", name: names.configMap, limit: NAME_LIMITS.subdomain },
        { what: "the password Secret", name: names.secret, limit: NAME_LIMITS.subdomain },
    ];
}

/** The names of a Sentinel deployment: the standalone ones, with more pods, and its Services and RBAC objects. */
export function sentinelChildNames(name: string, maxOrdinal: number): ChildName[] {
    const names = resourceNames(name);
    return [
        ...standaloneChildNames(name, maxOrdinal),
        { what: "the Sentinel Service", name: names.sentinelService, limit: NAME_LIMITS.label },
        { what: "the primary Service", name: names.primaryService, limit: NAME_LIMITS.label },
        { what: "the read Service", name: names.readService, limit: NAME_LIMITS.label },
        { what: "the service account", name: names.serviceAccount, limit: NAME_LIMITS.subdomain },
        { what: "the labeler's Role", name: names.labelerRole, limit: NAME_LIMITS.subdomain },
        { what: "the last pod's Service", name: podServiceName(names, maxOrdinal), limit: NAME_LIMITS.label },
    ];
}

/** The longest component name whose children all fit their limits, and the child that decides it. */
export function nameBudget(name: string, children: ChildName[]): { max: number; decidedBy: ChildName } {
    const budgets = children.map((child) => ({ child, max: child.limit - (child.name.length - name.length) }));
    const tightest = budgets.reduce((a, b) => (b.max < a.max ? b : a));
    return { max: tightest.max, decidedBy: tightest.child };
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

/** StorageClasses are cluster-scoped: the one a deployment creates carries its namespace and name. */
export function storageClassNameFor(namespace: string, name: string): string {
    return `${namespace}-${name}-data`;
}

/** The directory, on its node, of a statically declared local volume. */
export function localVolumePath(root: string, namespace: string, name: string, ordinal: number): string {
    return `${root === "/" ? "" : root}/${namespace}-${name}-${ordinal}`;
}

/**
 * Mode sentinel: the Service of its own that each pod has, named like the pod. Its ClusterIP is
 * the pod's address for its peers and for Sentinel-aware clients: it exists before the pod and
 * outlives it, so it never changes when the pod is recreated with a new IP, and its name never
 * answers "no such name" (which DNS caches).
 */
export function podServiceName(names: ResourceNames, ordinal: number): string {
    return podName(names, ordinal);
}

/** Mode sentinel: the cluster DNS name of a pod's own Service (`podServiceName`), by which its peers reach it. */
export function podHost(names: ResourceNames, ordinal: number, namespace: string): string {
    return serviceHost(podServiceName(names, ordinal), namespace);
}

/** The cluster DNS name of a Service. */
export function serviceHost(service: string, namespace: string): string {
    return `${service}.${serviceDomain(namespace)}`;
}

/** The cluster DNS domain of a namespace's Services. */
export function serviceDomain(namespace: string): string {
    return `${namespace}.svc.cluster.local`;
}
