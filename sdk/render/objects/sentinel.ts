import type * as k8s from "@pulumi/kubernetes";
import { FENCE_CONTAINER, PATHS, SCRIPTS, SENTINEL_CONTAINER, SENTINEL_PORT, SENTINEL_PORT_NAME } from "../../core/constants";
import { RedisSettings } from "../../core/settings";
import { EnvVar, scriptEnv, scriptPath } from "../scripts";
import { containerSecurityContext } from "./pod";
import { probe, readOnlyPodFileMounts, SERVER_VOLUMES } from "./server";

/** What a Sentinel needs: little memory and CPU, whatever the dataset. */
export const SENTINEL_RESOURCES = {
    requests: { cpu: "50m", memory: "64Mi" },
    limits: { memory: "128Mi" },
} as const;

/**
 * The Sentinel role: a sidecar of each server pod (an init container with restartPolicy Always).
 * The kubelet starts it, and waits for its startup probe, before the server's container, so that
 * the server's role decision can ask it; it stops after the server, so that a master's handover
 * in preStop can still use it. It keeps its state on the pod's data volume.
 */
export function sentinelContainer(settings: RedisSettings, env: EnvVar[]) {
    return {
        name: SENTINEL_CONTAINER,
        image: settings.image,
        imagePullPolicy: "IfNotPresent",
        restartPolicy: "Always",
        command: ["sh", scriptPath(SCRIPTS.sentinelStart)],
        env: [...scriptEnv(settings.engine), ...env, { name: "PROBE_TARGET", value: "sentinel" }],
        ports: [{ name: SENTINEL_PORT_NAME, containerPort: SENTINEL_PORT, protocol: "TCP" }],
        resources: { requests: { ...SENTINEL_RESOURCES.requests }, limits: { ...SENTINEL_RESOURCES.limits } },
        securityContext: containerSecurityContext(),
        startupProbe: probe("startup"),
        readinessProbe: probe("readiness"),
        livenessProbe: probe("liveness"),
        volumeMounts: [
            ...readOnlyPodFileMounts(),
            { name: SERVER_VOLUMES.tmp, mountPath: PATHS.tmpDir },
            { name: SERVER_VOLUMES.data, mountPath: PATHS.dataDir },
        ],
    } satisfies k8s.types.input.core.v1.Container;
}

/**
 * What the fence needs: a shell loop that pings the master five times a second, measured at 54
 * ms of CPU per second beside a replica and 20 beside the master.
 */
export const FENCE_RESOURCES = {
    requests: { cpu: "50m", memory: "16Mi" },
    limits: { memory: "64Mi" },
} as const;

/**
 * The fence: a sidecar that detaches the pod's server, while it is a replica, from a master that
 * stopped answering, before the Sentinels can promote another server, so that a master resuming
 * after the promotion finds no replica to confirm its writes (scripts/server/fence.sh). The
 * kubelet restarts it if it ends; it holds no state.
 */
export function fenceContainer(settings: RedisSettings, env: EnvVar[]) {
    return {
        name: FENCE_CONTAINER,
        image: settings.image,
        imagePullPolicy: "IfNotPresent",
        restartPolicy: "Always",
        command: ["sh", scriptPath(SCRIPTS.serverFence)],
        env: [...scriptEnv(settings.engine), ...env],
        resources: { requests: { ...FENCE_RESOURCES.requests }, limits: { ...FENCE_RESOURCES.limits } },
        securityContext: containerSecurityContext(),
        volumeMounts: [...readOnlyPodFileMounts(), { name: SERVER_VOLUMES.tmp, mountPath: PATHS.tmpDir }],
    } satisfies k8s.types.input.core.v1.Container;
}
