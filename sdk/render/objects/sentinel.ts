import type * as k8s from "@pulumi/kubernetes";
import { FENCE_CONTAINER, PATHS, PodScript, SCRIPTS, SENTINEL_CONTAINER, SENTINEL_PORT, SENTINEL_PORT_NAME } from "../../core/constants";
import { RedisSettings } from "../../core/settings";
import { EnvVar, scriptEnv, scriptPath } from "../scripts";
import { containerSecurityContext } from "./pod";
import { probe, readOnlyPodFileMounts, SERVER_VOLUMES } from "./server";

/** What a Sentinel needs: little memory and CPU, whatever the dataset. */
export const SENTINEL_RESOURCES = {
    requests: { cpu: "50m", memory: "64Mi" },
    limits: { memory: "128Mi" },
} as const;

/** What a sidecar of mode sentinel is made of: a pod script, in the server's image. */
export interface ScriptSidecar {
    name: string;
    script: PodScript;
    env: EnvVar[];
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

/**
 * A sidecar of each server pod (an init container with restartPolicy Always: the kubelet starts
 * it before the server's container, restarts it if it ends, and stops it after the server) that
 * runs a pod script with the engine's environment, the pod's files read-only, and `volumeMounts`.
 */
export function scriptSidecar(settings: RedisSettings, sidecar: ScriptSidecar) {
    return {
        name: sidecar.name,
        image: settings.image,
        imagePullPolicy: "IfNotPresent",
        restartPolicy: "Always",
        command: ["sh", scriptPath(sidecar.script)],
        env: [...scriptEnv(settings.engine), ...sidecar.env],
        resources: { requests: { ...sidecar.resources.requests }, limits: { ...sidecar.resources.limits } },
        securityContext: containerSecurityContext(),
        volumeMounts: [...readOnlyPodFileMounts(), ...sidecar.volumeMounts],
    } satisfies k8s.types.input.core.v1.Container;
}

/**
 * The Sentinel role: a sidecar of each server pod. The kubelet starts it, and waits for its
 * startup probe, before the server's container, so that the server's role decision can ask it; it
 * stops after the server, so that a master's handover in preStop can still use it. It keeps its
 * state on the pod's data volume.
 */
export function sentinelContainer(settings: RedisSettings, env: EnvVar[]) {
    return {
        ...scriptSidecar(settings, {
            name: SENTINEL_CONTAINER,
            script: SCRIPTS.sentinelStart,
            env: [...env, { name: "PROBE_TARGET", value: "sentinel" }],
            resources: SENTINEL_RESOURCES,
            volumeMounts: [
                { name: SERVER_VOLUMES.tmp, mountPath: PATHS.tmpDir },
                { name: SERVER_VOLUMES.data, mountPath: PATHS.dataDir },
            ],
        }),
        ports: [{ name: SENTINEL_PORT_NAME, containerPort: SENTINEL_PORT, protocol: "TCP" }],
        startupProbe: probe("startup"),
        readinessProbe: probe("readiness"),
        livenessProbe: probe("liveness"),
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
 * after the promotion finds no replica to confirm its writes; and, while it is the master, steps
 * it down the moment another server replaces it (scripts/server/fence.sh). The kubelet restarts it
 * if it ends; it holds no state.
 */
export function fenceContainer(settings: RedisSettings, env: EnvVar[]) {
    return scriptSidecar(settings, {
        name: FENCE_CONTAINER,
        script: SCRIPTS.serverFence,
        env,
        resources: FENCE_RESOURCES,
        volumeMounts: [{ name: SERVER_VOLUMES.tmp, mountPath: PATHS.tmpDir }],
    });
}
