import type * as k8s from "@pulumi/kubernetes";
import { RedisSettings } from "../../core/settings";
import { commonLabels, metadataFor, selectorLabels } from "./labels";

/** What distinguishes one role's StatefulSet from another's. */
export interface StatefulSetParts {
    name: string;
    /** The governing (headless) Service. */
    serviceName: string;
    replicas: number;
    podManagementPolicy: "OrderedReady" | "Parallel";
    /** Claim templates and their retention policy; empty for a role without volumes. */
    claims: object;
    /** The container the tools default to (`kubectl exec`, `kubectl logs`). */
    defaultContainer: string;
    podSpec: k8s.types.input.core.v1.PodSpec;
}

/**
 * A StatefulSet of one role. `rollOn` are pod template annotations whose change must roll the
 * pods: the checksum of what they read at start, the password's version.
 */
export function statefulSetFor(settings: RedisSettings, parts: StatefulSetParts, rollOn: Record<string, unknown>) {
    const podLabels = { ...settings.podLabels, ...commonLabels(settings) };
    return {
        apiVersion: "apps/v1" as const,
        kind: "StatefulSet" as const,
        metadata: metadataFor(settings, parts.name),
        spec: {
            serviceName: parts.serviceName,
            replicas: parts.replicas,
            podManagementPolicy: parts.podManagementPolicy,
            updateStrategy: { type: "RollingUpdate" },
            revisionHistoryLimit: 10,
            selector: { matchLabels: selectorLabels(settings) },
            ...parts.claims,
            template: {
                metadata: {
                    labels: podLabels,
                    annotations: {
                        ...settings.podAnnotations,
                        ...rollOn,
                        "kubectl.kubernetes.io/default-container": parts.defaultContainer,
                    },
                },
                spec: parts.podSpec,
            },
        },
    } satisfies k8s.types.input.apps.v1.StatefulSet;
}
