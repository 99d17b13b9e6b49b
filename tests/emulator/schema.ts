// Which object fields the emulator implements, which it ignores (and says so), and by
// elimination which it refuses. A field absent from both is refused: the emulator must never
// pretend to run something it does not.

/**
 * Fields accepted but without effect, as "<Type>.<field>". They matter to a scheduler, to
 * kubelet's resource accounting, to image pulling or to the API server's bookkeeping, none of
 * which the emulator has; the pods behave the same without them.
 */
export const IGNORED_FIELDS: readonly string[] = [
    // Scheduling: there is one node.
    "PodSpec.affinity",
    "PodSpec.tolerations",
    "PodSpec.topologySpreadConstraints",
    "PodSpec.nodeSelector",
    "PodSpec.priorityClassName",
    "PodSpec.priority",
    "PodSpec.preemptionPolicy",
    "PodSpec.schedulerName",
    "PodSpec.overhead",
    // Accounting and images: images are not pulled, resources are not limited.
    "Container.resources",
    "Container.resizePolicy",
    "Container.imagePullPolicy",
    "PodSpec.imagePullSecrets",
    "Container.terminationMessagePath",
    "Container.terminationMessagePolicy",
    // Service accounts and service links: no API server is reachable from pods.
    "PodSpec.serviceAccountName",
    "PodSpec.serviceAccount",
    "PodSpec.automountServiceAccountToken",
    "PodSpec.enableServiceLinks",
    // Kernel security profiles the host runtime would apply; the uid, gid and groups are honoured.
    "PodSecurityContext.seccompProfile",
    "PodSecurityContext.seLinuxOptions",
    "PodSecurityContext.seLinuxChangePolicy",
    "PodSecurityContext.appArmorProfile",
    "PodSecurityContext.windowsOptions",
    "SecurityContext.seccompProfile",
    "SecurityContext.seLinuxOptions",
    "SecurityContext.appArmorProfile",
    "SecurityContext.windowsOptions",
    "Capabilities.drop",
    // Informational ports: pods are reached on their own IP, whatever they declare.
    "ContainerPort.protocol",
    "ServicePort.appProtocol",
    "ServicePort.name",
    // Service routing knobs without a kube-proxy to honour them.
    "ServiceSpec.sessionAffinity",
    "ServiceSpec.sessionAffinityConfig",
    "ServiceSpec.ipFamilies",
    "ServiceSpec.ipFamilyPolicy",
    "ServiceSpec.internalTrafficPolicy",
    "ServiceSpec.trafficDistribution",
    // Storage provisioning: every claim is a fresh directory of unlimited size.
    "PersistentVolumeClaimSpec.accessModes",
    "PersistentVolumeClaimSpec.resources",
    "PersistentVolumeClaimSpec.storageClassName",
    "PersistentVolumeClaimSpec.selector",
    "PersistentVolumeClaimSpec.volumeName",
    "PersistentVolume.spec",
    "EmptyDirVolumeSource.sizeLimit",
    // Bookkeeping of the API server and controllers.
    "StatefulSetSpec.revisionHistoryLimit",
    "ObjectMeta.uid",
    "ObjectMeta.resourceVersion",
    "ObjectMeta.generation",
    "ObjectMeta.creationTimestamp",
    "ObjectMeta.managedFields",
    "Object.status",
    "Namespace.spec",
    "ConfigMap.immutable",
    "Secret.immutable",
    "Secret.type",
    "PersistentVolumeClaimTemplate.apiVersion",
    "PersistentVolumeClaimTemplate.kind",
];

export type Rule =
    | { kind: "string" | "integer" | "boolean" | "stringOrInteger" }
    | { kind: "only"; values: readonly unknown[] }
    | { kind: "emptyList" }
    | { kind: "map" }
    | { kind: "stringList" }
    | { kind: "array"; of: Rule }
    | { kind: "object"; type: string; fields: Record<string, Rule>; required: readonly string[] }
    | { kind: "ignored" };

const str: Rule = { kind: "string" };
const int: Rule = { kind: "integer" };
const bool: Rule = { kind: "boolean" };
const map: Rule = { kind: "map" };
const strings: Rule = { kind: "stringList" };
const intOrString: Rule = { kind: "stringOrInteger" };
/** Accepted only with one of these values (the default behaviour the emulator has). */
const only = (...values: unknown[]): Rule => ({ kind: "only", values });
const arr = (of: Rule): Rule => ({ kind: "array", of });
const obj = (type: string, fields: Record<string, Rule>, required: string[] = []): Rule => ({ kind: "object", type, fields, required });

const keySelector = (type: string) => obj(type, { name: str, key: str, optional: bool }, ["name", "key"]);
const keyToPath = obj("KeyToPath", { key: str, path: str, mode: int }, ["key", "path"]);
const exec = obj("ExecAction", { command: strings }, ["command"]);

const probe = obj("Probe", {
    exec,
    tcpSocket: obj("TCPSocketAction", { port: intOrString }, ["port"]),
    initialDelaySeconds: int,
    periodSeconds: int,
    timeoutSeconds: int,
    successThreshold: int,
    failureThreshold: int,
    terminationGracePeriodSeconds: int,
});

const lifecycleHandler = obj("LifecycleHandler", { exec, sleep: obj("SleepAction", { seconds: int }, ["seconds"]) });

const securityContext = obj("SecurityContext", {
    runAsUser: int,
    runAsGroup: int,
    runAsNonRoot: bool,
    readOnlyRootFilesystem: bool,
    allowPrivilegeEscalation: bool,
    privileged: only(false),
    procMount: only("Default"),
    capabilities: obj("Capabilities", { add: { kind: "emptyList" } }),
});

const containerFields: Record<string, Rule> = {
    name: str,
    image: str,
    command: strings,
    args: strings,
    workingDir: str,
    env: arr(
        obj(
            "EnvVar",
            {
                name: str,
                value: str,
                valueFrom: obj("EnvVarSource", {
                    fieldRef: obj("ObjectFieldSelector", { fieldPath: str, apiVersion: only("v1") }, ["fieldPath"]),
                    secretKeyRef: keySelector("SecretKeySelector"),
                    configMapKeyRef: keySelector("ConfigMapKeySelector"),
                }),
            },
            ["name"],
        ),
    ),
    envFrom: arr(
        obj("EnvFromSource", {
            prefix: str,
            configMapRef: obj("ConfigMapEnvSource", { name: str, optional: bool }, ["name"]),
            secretRef: obj("SecretEnvSource", { name: str, optional: bool }, ["name"]),
        }),
    ),
    volumeMounts: arr(
        obj("VolumeMount", { name: str, mountPath: str, subPath: str, readOnly: bool, mountPropagation: only("None") }, [
            "name",
            "mountPath",
        ]),
    ),
    ports: arr(obj("ContainerPort", { name: str, containerPort: int }, ["containerPort"])),
    securityContext,
    stdin: only(false),
    stdinOnce: only(false),
    tty: only(false),
};

const container = obj(
    "Container",
    {
        ...containerFields,
        startupProbe: probe,
        readinessProbe: probe,
        livenessProbe: probe,
        lifecycle: obj("Lifecycle", { preStop: lifecycleHandler, postStart: lifecycleHandler }),
    },
    ["name", "image"],
);

/** Init containers run to completion; probes, hooks and sidecar restartPolicy are not theirs. */
const initContainer = obj("Container", containerFields, ["name", "image"]);

const volume = obj(
    "Volume",
    {
        name: str,
        configMap: obj("ConfigMapVolumeSource", { name: str, items: arr(keyToPath), defaultMode: int, optional: bool }, ["name"]),
        secret: obj("SecretVolumeSource", { secretName: str, items: arr(keyToPath), defaultMode: int, optional: bool }, ["secretName"]),
        emptyDir: obj("EmptyDirVolumeSource", { medium: only("", "Memory") }),
        persistentVolumeClaim: obj("PersistentVolumeClaimVolumeSource", { claimName: str, readOnly: bool }, ["claimName"]),
    },
    ["name"],
);

const podSecurityContext = obj("PodSecurityContext", {
    runAsUser: int,
    runAsGroup: int,
    runAsNonRoot: bool,
    fsGroup: int,
    fsGroupChangePolicy: only("Always", "OnRootMismatch"),
    supplementalGroups: arr(int),
});

export const POD_SPEC: Rule = obj(
    "PodSpec",
    {
        containers: arr(container),
        initContainers: arr(initContainer),
        volumes: arr(volume),
        securityContext: podSecurityContext,
        terminationGracePeriodSeconds: int,
        hostname: str,
        subdomain: str,
        hostAliases: arr(obj("HostAlias", { ip: str, hostnames: strings }, ["ip"])),
        restartPolicy: only("Always"),
        dnsPolicy: only("ClusterFirst"),
        hostNetwork: only(false),
        hostPID: only(false),
        hostIPC: only(false),
        shareProcessNamespace: only(false),
        setHostnameAsFQDN: only(false),
    },
    ["containers"],
);

const objectMeta = obj("ObjectMeta", { name: str, namespace: str, labels: map, annotations: map }, ["name"]);
const claimSpec = obj("PersistentVolumeClaimSpec", { volumeMode: only("Filesystem") });

const statefulSetSpec = obj(
    "StatefulSetSpec",
    {
        replicas: int,
        selector: obj("LabelSelector", { matchLabels: map }, ["matchLabels"]),
        serviceName: str,
        template: obj("PodTemplateSpec", { metadata: obj("PodTemplateMeta", { labels: map, annotations: map }), spec: POD_SPEC }, ["spec"]),
        volumeClaimTemplates: arr(
            obj(
                "PersistentVolumeClaimTemplate",
                { metadata: obj("ClaimTemplateMeta", { name: str, labels: map, annotations: map }, ["name"]), spec: claimSpec },
                ["metadata"],
            ),
        ),
        podManagementPolicy: only("OrderedReady", "Parallel"),
        updateStrategy: obj("StatefulSetUpdateStrategy", {
            type: only("RollingUpdate", "OnDelete"),
            rollingUpdate: obj("RollingUpdateStatefulSetStrategy", { partition: int }),
        }),
        persistentVolumeClaimRetentionPolicy: obj("PersistentVolumeClaimRetentionPolicy", {
            whenDeleted: only("Retain", "Delete"),
            whenScaled: only("Retain", "Delete"),
        }),
        ordinals: obj("StatefulSetOrdinals", { start: int }),
        minReadySeconds: only(0),
    },
    ["selector", "template"],
);

const serviceSpec = obj("ServiceSpec", {
    selector: map,
    clusterIP: only("None", ""),
    clusterIPs: arr(only("None")),
    type: only("ClusterIP"),
    ports: arr(obj("ServicePort", { port: int, targetPort: intOrString, protocol: only("TCP", "UDP", "SCTP") }, ["port"])),
    publishNotReadyAddresses: bool,
});

/** Top-level rules per "apiVersion kind". */
export const KINDS: Record<string, Rule> = {
    "apps/v1 StatefulSet": obj("StatefulSet", { spec: statefulSetSpec }, ["spec"]),
    "v1 Service": obj("Service", { spec: serviceSpec }, ["spec"]),
    "v1 ConfigMap": obj("ConfigMap", { data: map, binaryData: map }),
    "v1 Secret": obj("Secret", { data: map, stringData: map }),
    "v1 Namespace": obj("Namespace", {}),
    "v1 PersistentVolume": obj("PersistentVolume", {}),
    "v1 PersistentVolumeClaim": obj("PersistentVolumeClaim", { spec: claimSpec }),
};

export const OBJECT_META = objectMeta;
