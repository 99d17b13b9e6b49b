// The subset of Kubernetes object shapes the emulator implements. Objects arrive as plain JS
// objects (as written in YAML); validation.ts proves they fit these shapes before anything
// else reads them, so the rest of the emulator can rely on the types below.

export type StringMap = Record<string, string>;

export interface ObjectMeta {
    name: string;
    namespace?: string;
    labels?: StringMap;
    annotations?: StringMap;
}

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: ObjectMeta;
}

export interface KeyToPath {
    key: string;
    path: string;
    mode?: number;
}

export interface ConfigMapVolumeSource {
    name: string;
    items?: KeyToPath[];
    defaultMode?: number;
    optional?: boolean;
}

export interface SecretVolumeSource {
    secretName: string;
    items?: KeyToPath[];
    defaultMode?: number;
    optional?: boolean;
}

export interface Volume {
    name: string;
    configMap?: ConfigMapVolumeSource;
    secret?: SecretVolumeSource;
    emptyDir?: { medium?: string; sizeLimit?: string | number };
    persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
}

export interface VolumeMount {
    name: string;
    mountPath: string;
    subPath?: string;
    readOnly?: boolean;
}

export interface KeySelector {
    name: string;
    key: string;
    optional?: boolean;
}

export interface EnvVar {
    name: string;
    value?: string;
    valueFrom?: {
        fieldRef?: { fieldPath: string; apiVersion?: string };
        secretKeyRef?: KeySelector;
        configMapKeyRef?: KeySelector;
    };
}

export interface EnvFromSource {
    prefix?: string;
    configMapRef?: { name: string; optional?: boolean };
    secretRef?: { name: string; optional?: boolean };
}

export interface ExecAction {
    command: string[];
}

export interface Probe {
    exec?: ExecAction;
    tcpSocket?: { port: number | string };
    initialDelaySeconds?: number;
    periodSeconds?: number;
    timeoutSeconds?: number;
    successThreshold?: number;
    failureThreshold?: number;
    /** Grace period of a restart this (liveness or startup) probe causes; overrides the pod's. */
    terminationGracePeriodSeconds?: number;
}

export interface LifecycleHandler {
    exec?: ExecAction;
    sleep?: { seconds: number };
}

export interface SecurityContext {
    runAsUser?: number;
    runAsGroup?: number;
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
}

export interface PodSecurityContext {
    runAsUser?: number;
    runAsGroup?: number;
    runAsNonRoot?: boolean;
    fsGroup?: number;
    fsGroupChangePolicy?: string;
    supplementalGroups?: number[];
}

export interface ContainerPort {
    name?: string;
    containerPort: number;
}

export interface Container {
    name: string;
    image: string;
    command?: string[];
    args?: string[];
    workingDir?: string;
    env?: EnvVar[];
    envFrom?: EnvFromSource[];
    volumeMounts?: VolumeMount[];
    ports?: ContainerPort[];
    securityContext?: SecurityContext;
    startupProbe?: Probe;
    readinessProbe?: Probe;
    livenessProbe?: Probe;
    lifecycle?: { preStop?: LifecycleHandler; postStart?: LifecycleHandler };
}

export interface HostAlias {
    ip: string;
    hostnames: string[];
}

export interface PodSpec {
    containers: Container[];
    initContainers?: Container[];
    volumes?: Volume[];
    securityContext?: PodSecurityContext;
    terminationGracePeriodSeconds?: number;
    hostname?: string;
    subdomain?: string;
    hostAliases?: HostAlias[];
}

export interface PodTemplate {
    metadata?: { labels?: StringMap; annotations?: StringMap };
    spec: PodSpec;
}

export interface PersistentVolumeClaimTemplate {
    metadata: { name: string; labels?: StringMap; annotations?: StringMap };
    spec?: object;
}

export interface StatefulSetSpec {
    replicas?: number;
    selector: { matchLabels: StringMap };
    serviceName?: string;
    template: PodTemplate;
    volumeClaimTemplates?: PersistentVolumeClaimTemplate[];
    podManagementPolicy?: "OrderedReady" | "Parallel";
    updateStrategy?: { type?: "RollingUpdate" | "OnDelete"; rollingUpdate?: { partition?: number } };
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: "Retain" | "Delete"; whenScaled?: "Retain" | "Delete" };
    ordinals?: { start?: number };
}

export interface StatefulSet extends KubeObject {
    kind: "StatefulSet";
    spec: StatefulSetSpec;
}

export interface ServicePort {
    name?: string;
    port: number;
    targetPort?: number | string;
    protocol?: string;
}

export interface Service extends KubeObject {
    kind: "Service";
    spec: {
        selector?: StringMap;
        clusterIP?: string;
        ports?: ServicePort[];
        publishNotReadyAddresses?: boolean;
        type?: string;
    };
}

export interface ConfigMap extends KubeObject {
    kind: "ConfigMap";
    data?: StringMap;
    binaryData?: StringMap;
}

export interface Secret extends KubeObject {
    kind: "Secret";
    data?: StringMap;
    stringData?: StringMap;
    type?: string;
}

export interface PersistentVolumeClaim extends KubeObject {
    kind: "PersistentVolumeClaim";
    spec?: object;
}

/** A namespaced object's key in the emulator's stores: "namespace/name". */
export function objectKey(namespace: string, name: string): string {
    return `${namespace}/${name}`;
}

export const DEFAULT_NAMESPACE = "default";
export const CLUSTER_DOMAIN = "cluster.local";

export function namespaceOf(obj: KubeObject): string {
    return obj.metadata.namespace ?? DEFAULT_NAMESPACE;
}
