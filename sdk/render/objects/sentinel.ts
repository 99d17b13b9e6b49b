import type * as k8s from "@pulumi/kubernetes";
import { PATHS, SCRIPTS, SENTINEL_CONTAINER, SENTINEL_PORT, SENTINEL_PORT_NAME } from "../../core/constants";
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
