import { RedisSettings } from "../../core/settings";

/** Labels that select the pods of one deployment; they never change after creation. */
export function selectorLabels(settings: RedisSettings): Record<string, string> {
    return {
        "app.kubernetes.io/name": "redis",
        "app.kubernetes.io/instance": settings.name,
        "app.kubernetes.io/component": "server",
    };
}

/** Labels on every object of a deployment. */
export function commonLabels(settings: RedisSettings): Record<string, string> {
    return {
        ...selectorLabels(settings),
        "app.kubernetes.io/part-of": "kubernetes-redis",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

export function metadataFor(settings: RedisSettings, name: string, extra: { annotations?: Record<string, string> } = {}) {
    return {
        name,
        namespace: settings.namespace,
        labels: commonLabels(settings),
        ...(extra.annotations && Object.keys(extra.annotations).length > 0 ? { annotations: extra.annotations } : {}),
    };
}
