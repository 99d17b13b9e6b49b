import type * as k8s from "@pulumi/kubernetes";
import { REDIS_GID, REDIS_UID } from "../../core/constants";
import { RedisSettings } from "../../core/settings";

/**
 * Hardened parts every pod of the package is built from, whatever its role: the Pod Security
 * Standard "restricted" profile, no API token, no service links, the user's scheduling fields.
 */

/** The pod-level fields every role shares, before its containers and volumes. */
export function podBase(settings: RedisSettings) {
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
    } satisfies Partial<k8s.types.input.core.v1.PodSpec>;
}

/** The container-level security context of every container: non-root, read-only, no capabilities. */
export function containerSecurityContext() {
    return {
        runAsNonRoot: true,
        runAsUser: REDIS_UID,
        runAsGroup: REDIS_GID,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    } satisfies k8s.types.input.core.v1.SecurityContext;
}

/** A memory-backed emptyDir: for files that must never reach a disk. */
export function memoryVolume(sizeLimit: string) {
    return { emptyDir: { medium: "Memory", sizeLimit } };
}

/** Requests or limits without the fields left unset. */
export function definedOnly(list: Record<string, string | undefined>): Record<string, string> {
    return Object.fromEntries(Object.entries(list).filter(([, value]) => value !== undefined)) as Record<string, string>;
}
