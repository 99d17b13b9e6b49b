import type * as k8s from "@pulumi/kubernetes";
import { PodAntiAffinity } from "../../api/args";
import { RedisSettings } from "../../core/settings";
import { metadataFor, selectorLabels } from "./labels";

const HOSTNAME_KEY = "kubernetes.io/hostname";
const ZONE_KEY = "topology.kubernetes.io/zone";

/**
 * Keeps the pods of one deployment apart: on different nodes ("soft": preferred, "hard":
 * required, so that a pod stays Pending rather than share a node), and spread over zones as far
 * as the nodes' zone labels allow (a node without the label does not stop scheduling).
 */
export function spreadPods(settings: RedisSettings, antiAffinity: PodAntiAffinity) {
    const term = { labelSelector: { matchLabels: selectorLabels(settings) }, topologyKey: HOSTNAME_KEY };
    return {
        affinity: {
            podAntiAffinity:
                antiAffinity === PodAntiAffinity.Hard
                    ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
                    : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
        },
        topologySpreadConstraints: [
            {
                maxSkew: 1,
                topologyKey: ZONE_KEY,
                whenUnsatisfiable: "ScheduleAnyway",
                labelSelector: { matchLabels: selectorLabels(settings) },
            },
        ],
    } satisfies Partial<k8s.types.input.core.v1.PodSpec>;
}

/**
 * At most one pod of the deployment is evicted at a time (a drain, a node upgrade): with one
 * server down the Sentinels keep their majority and the master keeps a replica.
 */
export function disruptionBudgetFor(settings: RedisSettings) {
    return {
        apiVersion: "policy/v1" as const,
        kind: "PodDisruptionBudget" as const,
        metadata: metadataFor(settings, settings.names.disruptionBudget),
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(settings) } },
    } satisfies k8s.types.input.policy.v1.PodDisruptionBudget;
}
