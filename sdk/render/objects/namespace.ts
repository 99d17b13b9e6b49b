import { RedisSettings } from "../../core/settings";

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
