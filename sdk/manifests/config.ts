import * as crypto from "crypto";
import { renderRedisConf } from "../conf/redis-conf";
import { REDIS_CONF_KEY } from "../constants";
import { podScripts } from "../pod-scripts";
import { RedisSettings } from "../settings";
import { metadataFor } from "./labels";

/** The ConfigMap with redis.conf and the pod scripts. It holds no secret. */
export function configMapFor(settings: RedisSettings) {
    return {
        apiVersion: "v1" as const,
        kind: "ConfigMap" as const,
        metadata: metadataFor(settings, settings.names.configMap),
        data: configMapData(settings),
    };
}

export function configMapData(settings: RedisSettings): Record<string, string> {
    return { [REDIS_CONF_KEY]: renderRedisConf(settings), ...podScripts() };
}

/**
 * Checksum of the ConfigMap's data, put on the pod template so that a configuration change
 * rolls the pods (Redis reads redis.conf only at start).
 */
export function configChecksum(data: Record<string, string>): string {
    const hash = crypto.createHash("sha256");
    for (const key of Object.keys(data).sort()) {
        hash.update(key).update("\0").update(data[key]).update("\0");
    }
    return hash.digest("hex");
}

/** The Secret with the password: generic in the password so the Pulumi shell can pass an Output. */
export function passwordSecretFor<T>(settings: RedisSettings, password: T) {
    return {
        apiVersion: "v1" as const,
        kind: "Secret" as const,
        metadata: metadataFor(settings, settings.auth.secretName),
        type: "Opaque",
        stringData: { [settings.auth.secretKey]: password },
    };
}

/** The namespace, when the component creates it: enforces the "restricted" Pod Security Standard. */
export function namespaceFor(settings: RedisSettings) {
    return {
        apiVersion: "v1" as const,
        kind: "Namespace" as const,
        metadata: {
            name: settings.namespace,
            labels: {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/warn": "restricted",
            },
        },
    };
}
