import type * as k8s from "@pulumi/kubernetes";
import {
    CONFIG_CHECKSUM_ANNOTATION,
    DATA_CLAIM_TEMPLATE,
    PATHS,
    REDIS_CONF_KEY,
    REDIS_CONTAINER,
    REDIS_GID,
    REDIS_PORT,
    REDIS_PORT_NAME,
    REDIS_UID,
    SCRIPT_FILES,
} from "../constants";
import { scriptEnv, scriptPath } from "../pod-scripts";
import { RedisSettings } from "../settings";
import { commonLabels, metadataFor, selectorLabels } from "./labels";

/**
 * Probe timings. Startup passes as soon as Redis answers (even LOADING), so liveness never kills
 * a server that is loading a large dataset; readiness keeps it out of the Service until it
 * answers PONG; liveness restarts a server that has not answered for about 30 seconds.
 */
export const PROBES = {
    startup: { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
    readiness: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
    liveness: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
} as const;

/**
 * Grace period of a restart caused by the liveness or startup probe. A Redis that has not
 * answered for 30 seconds cannot save anything; without this, its restart would wait out the
 * pod's whole grace period (60 seconds by default) for a process that never reacts.
 */
export const PROBE_RESTART_GRACE_SECONDS = 15;

type ProbeKind = keyof typeof PROBES;

function probe(kind: ProbeKind) {
    const timing = PROBES[kind];
    // The script stops waiting a second before the kubelet does, so that it reports why.
    const scriptTimeout = Math.max(1, timing.timeoutSeconds - 1);
    return {
        exec: { command: ["sh", scriptPath(SCRIPT_FILES.probe), kind, String(scriptTimeout)] },
        initialDelaySeconds: 0,
        successThreshold: 1,
        ...timing,
        // The API server accepts a probe-level grace period on liveness and startup probes only.
        ...(kind === "readiness" ? {} : { terminationGracePeriodSeconds: PROBE_RESTART_GRACE_SECONDS }),
    };
}

const VOLUMES = { config: "config", scripts: "scripts", auth: "auth", run: "run", tmp: "tmp", data: DATA_CLAIM_TEMPLATE } as const;

/** The StatefulSet. `configChecksum` goes on the pod template so a config change rolls the pods. */
export function statefulSetFor(settings: RedisSettings, configChecksum: string) {
    const { names, persistence } = settings;
    const podLabels = { ...settings.podLabels, ...commonLabels(settings) };
    return {
        apiVersion: "apps/v1" as const,
        kind: "StatefulSet" as const,
        metadata: metadataFor(settings, names.statefulSet),
        spec: {
            serviceName: names.headlessService,
            replicas: settings.replicas,
            podManagementPolicy: "OrderedReady",
            updateStrategy: { type: "RollingUpdate" },
            revisionHistoryLimit: 10,
            selector: { matchLabels: selectorLabels(settings) },
            ...(persistence.enabled ? {
                persistentVolumeClaimRetentionPolicy: { whenDeleted: persistence.whenDeleted, whenScaled: persistence.whenScaled },
                volumeClaimTemplates: [{
                    metadata: { name: VOLUMES.data, labels: selectorLabels(settings) },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        ...(persistence.storageClassName ? { storageClassName: persistence.storageClassName } : {}),
                        resources: { requests: { storage: persistence.size } },
                    },
                }],
            } : {}),
            template: {
                metadata: {
                    labels: podLabels,
                    annotations: {
                        ...settings.podAnnotations,
                        [CONFIG_CHECKSUM_ANNOTATION]: configChecksum,
                        "kubectl.kubernetes.io/default-container": REDIS_CONTAINER,
                    },
                },
                spec: podSpecFor(settings),
            },
        },
    } satisfies k8s.types.input.apps.v1.StatefulSet;
}

function podSpecFor(settings: RedisSettings) {
    const { names, persistence } = settings;
    const memoryOnly = (sizeLimit: string) => ({ emptyDir: { medium: "Memory", sizeLimit } });
    return {
        // Service links would inject REDIS_PORT=tcp://... for a Service named "redis" and
        // break the scripts' environment.
        enableServiceLinks: false,
        automountServiceAccountToken: false,
        terminationGracePeriodSeconds: settings.terminationGracePeriodSeconds,
        ...(settings.priorityClassName ? { priorityClassName: settings.priorityClassName } : {}),
        ...(Object.keys(settings.nodeSelector).length > 0 ? { nodeSelector: settings.nodeSelector } : {}),
        securityContext: {
            runAsNonRoot: true,
            runAsUser: REDIS_UID,
            runAsGroup: REDIS_GID,
            fsGroup: REDIS_GID,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
        },
        containers: [{
            name: REDIS_CONTAINER,
            image: settings.image,
            imagePullPolicy: "IfNotPresent",
            command: ["sh", scriptPath(SCRIPT_FILES.start)],
            env: scriptEnv(),
            ports: [{ name: REDIS_PORT_NAME, containerPort: REDIS_PORT, protocol: "TCP" }],
            resources: {
                requests: definedOnly(settings.resources.requests),
                limits: definedOnly(settings.resources.limits),
            },
            securityContext: {
                runAsNonRoot: true,
                runAsUser: REDIS_UID,
                runAsGroup: REDIS_GID,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            },
            startupProbe: probe("startup"),
            readinessProbe: probe("readiness"),
            livenessProbe: probe("liveness"),
            lifecycle: { preStop: { exec: { command: ["sh", scriptPath(SCRIPT_FILES.preStop)] } } },
            volumeMounts: [
                { name: VOLUMES.config, mountPath: PATHS.configDir, readOnly: true },
                { name: VOLUMES.scripts, mountPath: PATHS.scriptsDir, readOnly: true },
                { name: VOLUMES.auth, mountPath: PATHS.secretDir, readOnly: true },
                { name: VOLUMES.run, mountPath: PATHS.runDir },
                { name: VOLUMES.tmp, mountPath: PATHS.tmpDir },
                { name: VOLUMES.data, mountPath: PATHS.dataDir },
            ],
        }],
        volumes: [
            { name: VOLUMES.config, configMap: { name: names.configMap, items: [{ key: REDIS_CONF_KEY, path: REDIS_CONF_KEY }], defaultMode: 0o444 } },
            {
                name: VOLUMES.scripts,
                configMap: { name: names.configMap, items: Object.values(SCRIPT_FILES).map((file) => ({ key: file, path: file })), defaultMode: 0o555 },
            },
            // Group-readable: secret files belong to root and the pod's fsGroup.
            { name: VOLUMES.auth, secret: { secretName: settings.auth.secretName, items: [{ key: settings.auth.secretKey, path: pathTail(PATHS.passwordFile) }], defaultMode: 0o440 } },
            { name: VOLUMES.run, ...memoryOnly("1Mi") },
            { name: VOLUMES.tmp, emptyDir: { sizeLimit: "64Mi" } },
            ...(persistence.enabled ? [] : [{ name: VOLUMES.data, emptyDir: {} }]),
        ],
    } satisfies k8s.types.input.core.v1.PodSpec;
}

function definedOnly(list: Record<string, string | undefined>): Record<string, string> {
    return Object.fromEntries(Object.entries(list).filter(([, value]) => value !== undefined)) as Record<string, string>;
}

function pathTail(path: string): string {
    return path.slice(path.lastIndexOf("/") + 1);
}
