import type * as k8s from "@pulumi/kubernetes";
import { DATA_CLAIM_TEMPLATE, PATHS, REDIS_CONTAINER, REDIS_PORT, REDIS_PORT_NAME, SCRIPTS } from "../../core/constants";
import { RedisSettings } from "../../core/settings";
import { scriptEnv, scriptPath, scriptsOf } from "../scripts";
import { configFiles } from "./config";
import { containerSecurityContext, definedOnly, memoryVolume } from "./pod";

/**
 * The Redis server role: its container, probes and volumes, the same in every topology.
 *
 * Probe timings. Startup passes as soon as Redis answers at all (even LOADING), so liveness never
 * kills a server that is loading a large dataset; readiness keeps it out of the Service until it
 * answers PONG; liveness restarts a server that has refused connections or not answered for about
 * 30 seconds, never one that answers, even with an error (see scripts/server/probe.sh).
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

/** An exec probe running probe.sh (of the server, or of the Sentinel when PROBE_TARGET says so). */
export function probe(kind: ProbeKind, timings: typeof PROBES = PROBES) {
    const timing = timings[kind];
    // The script stops waiting a second before the kubelet does, so that it reports why.
    const scriptTimeout = Math.max(1, timing.timeoutSeconds - 1);
    return {
        exec: { command: ["sh", scriptPath(SCRIPTS.serverProbe), kind, String(scriptTimeout)] },
        initialDelaySeconds: 0,
        successThreshold: 1,
        ...timing,
        // The API server accepts a probe-level grace period on liveness and startup probes only.
        ...(kind === "readiness" ? {} : { terminationGracePeriodSeconds: PROBE_RESTART_GRACE_SECONDS }),
    };
}

/** The server pod's volumes, by name. */
export const SERVER_VOLUMES = {
    config: "config",
    scripts: "scripts",
    auth: "auth",
    run: "run",
    tmp: "tmp",
    data: DATA_CLAIM_TEMPLATE,
} as const;

/** The configuration, scripts and password every container of the pod reads, read-only. */
export function readOnlyPodFileMounts() {
    return [
        { name: SERVER_VOLUMES.config, mountPath: PATHS.configDir, readOnly: true },
        { name: SERVER_VOLUMES.scripts, mountPath: PATHS.scriptsDir, readOnly: true },
        { name: SERVER_VOLUMES.auth, mountPath: PATHS.secretDir, readOnly: true },
    ];
}

/** The Redis container. */
export function serverContainer(settings: RedisSettings) {
    return {
        name: REDIS_CONTAINER,
        image: settings.image,
        imagePullPolicy: "IfNotPresent",
        command: ["sh", scriptPath(SCRIPTS.serverStart)],
        env: scriptEnv(settings.engine),
        ports: [{ name: REDIS_PORT_NAME, containerPort: REDIS_PORT, protocol: "TCP" }],
        resources: {
            requests: definedOnly(settings.resources.requests),
            limits: definedOnly(settings.resources.limits),
        },
        securityContext: containerSecurityContext(),
        startupProbe: probe("startup"),
        readinessProbe: probe("readiness"),
        livenessProbe: probe("liveness"),
        // No preStop hook: the kubelet's SIGTERM reaches the server itself (PID 1, exec'd by the
        // start script), which fsyncs the AOF, writes the final snapshot and exits (redis.conf's
        // shutdown-on-sigterm). A SHUTDOWN from a hook would do the same, then kill the hook with
        // the container.
        volumeMounts: [
            ...readOnlyPodFileMounts(),
            { name: SERVER_VOLUMES.run, mountPath: PATHS.runDir },
            { name: SERVER_VOLUMES.tmp, mountPath: PATHS.tmpDir },
            { name: SERVER_VOLUMES.data, mountPath: PATHS.dataDir },
        ],
    } satisfies k8s.types.input.core.v1.Container;
}

/** The server pod's volumes; `/data` is the claim template's volume unless persistence is off. */
export function serverVolumes(settings: RedisSettings) {
    const { names, persistence } = settings;
    return [
        {
            name: SERVER_VOLUMES.config,
            configMap: {
                name: names.configMap,
                items: Object.keys(configFiles(settings)).map((key) => ({ key, path: key })),
                defaultMode: 0o444,
            },
        },
        {
            name: SERVER_VOLUMES.scripts,
            configMap: {
                name: names.configMap,
                // Flat, under their keys: the scripts find the library next to themselves.
                items: scriptsOf(settings).map(({ key }) => ({ key, path: key })),
                defaultMode: 0o555,
            },
        },
        // Group-readable: secret files belong to root and the pod's fsGroup.
        {
            name: SERVER_VOLUMES.auth,
            secret: {
                secretName: settings.auth.secretName,
                items: [{ key: settings.auth.secretKey, path: pathTail(PATHS.passwordFile) }],
                defaultMode: 0o440,
            },
        },
        { name: SERVER_VOLUMES.run, ...memoryVolume("1Mi") },
        { name: SERVER_VOLUMES.tmp, emptyDir: { sizeLimit: "64Mi" } },
        ...(persistence.enabled ? [] : [{ name: SERVER_VOLUMES.data, emptyDir: {} }]),
    ] satisfies k8s.types.input.core.v1.Volume[];
}

/** The data claim template of the server StatefulSet, when persistence is on. */
export function serverClaimTemplates(settings: RedisSettings, selector: Record<string, string>) {
    const { persistence } = settings;
    if (!persistence.enabled) {
        return {};
    }
    return {
        // The claims are the component's own (see claims.ts): whenDeleted is carried out by the
        // component, so that replacing the StatefulSet can never take a claim with it.
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: persistence.whenScaled },
        volumeClaimTemplates: [
            {
                metadata: { name: SERVER_VOLUMES.data, labels: selector },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    ...(persistence.storageClassName ? { storageClassName: persistence.storageClassName } : {}),
                    resources: { requests: { storage: persistence.size } },
                },
            },
        ],
    };
}

function pathTail(path: string): string {
    return path.slice(path.lastIndexOf("/") + 1);
}
