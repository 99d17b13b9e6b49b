import type * as k8s from "@pulumi/kubernetes";
import {
    MASTER_ROLE,
    POD_NAME_LABEL,
    REDIS_PORT,
    REDIS_PORT_NAME,
    REPLICA_ROLE,
    ROLE_LABEL,
    SENTINEL_PORT,
    SENTINEL_PORT_NAME,
} from "../../core/constants";
import { podName, podServiceName } from "../../core/names";
import { RedisSettings } from "../../core/settings";
import { metadataFor, selectorLabels } from "./labels";

const servicePort = {
    name: REDIS_PORT_NAME,
    port: REDIS_PORT,
    targetPort: REDIS_PORT_NAME,
    protocol: "TCP",
    appProtocol: "redis",
};

/** The Sentinel port on the Services of mode sentinel. */
export const sentinelServicePort = {
    name: SENTINEL_PORT_NAME,
    port: SENTINEL_PORT,
    targetPort: SENTINEL_PORT_NAME,
    protocol: "TCP",
    appProtocol: "redis",
};

/**
 * The StatefulSet's governing Service: gives each pod the stable name
 * `<pod>.<headless>.<namespace>.svc.cluster.local`, with the ports of every role. Not-ready pods are published too, so
 * that peers can find a pod while it starts, before it is ready to take clients.
 */
export function headlessServiceFor(settings: RedisSettings, extraPorts: (typeof sentinelServicePort)[] = []) {
    return {
        apiVersion: "v1" as const,
        kind: "Service" as const,
        metadata: metadataFor(settings, settings.names.headlessService),
        spec: {
            type: "ClusterIP",
            clusterIP: "None",
            publishNotReadyAddresses: true,
            selector: selectorLabels(settings),
            ports: [servicePort, ...extraPorts],
        },
    } satisfies k8s.types.input.core.v1.Service;
}

/**
 * Mode sentinel: the Service of one pod (`podServiceName`), with the server's and the Sentinel's
 * ports. Servers and Sentinels announce, and find each other by, its name: it resolves to its
 * ClusterIP, which does not change when the pod is recreated with a new IP, and it exists before
 * the pod, so that no lookup gets a "no such name" that DNS would cache. The pod is published while
 * it starts and while it stops (a master hands over while it stops). Always a ClusterIP: peers
 * are in the cluster.
 */
export function podServiceFor(settings: RedisSettings, ordinal: number) {
    return {
        apiVersion: "v1" as const,
        kind: "Service" as const,
        metadata: metadataFor(settings, podServiceName(settings.names, ordinal)),
        spec: {
            type: "ClusterIP",
            publishNotReadyAddresses: true,
            selector: { ...selectorLabels(settings), [POD_NAME_LABEL]: podName(settings.names, ordinal) },
            ports: [servicePort, sentinelServicePort],
        },
    } satisfies k8s.types.input.core.v1.Service;
}

/** The Service clients connect to: only ready pods receive connections. */
export function clientServiceFor(settings: RedisSettings) {
    return exposedServiceFor(settings, settings.names.clientService, servicePort);
}

/**
 * Mode sentinel: the Service over every ready pod's Sentinel, which Sentinel-aware clients ask
 * for the current master. It has the client Service's type and annotations.
 */
export function sentinelServiceFor(settings: RedisSettings) {
    return exposedServiceFor(settings, settings.names.sentinelService, sentinelServicePort);
}

/**
 * Mode sentinel: the Service that reaches the current master, for clients that do not speak
 * Sentinel. It selects the pod whose labeler found its server the master that the Sentinels name
 * (scripts/server/labeler.sh). It has the client Service's type and annotations.
 */
export function primaryServiceFor(settings: RedisSettings) {
    return exposedServiceFor(settings, settings.names.primaryService, servicePort, { [ROLE_LABEL]: MASTER_ROLE });
}

/** Mode sentinel: the Service over the replicas, for reads. It has the client Service's type and annotations. */
export function readServiceFor(settings: RedisSettings) {
    return exposedServiceFor(settings, settings.names.readService, servicePort, { [ROLE_LABEL]: REPLICA_ROLE });
}

/**
 * A Service over the ready pods (those carrying `extraSelector` too), exposed as the `service`
 * argument says (type, annotations, source ranges).
 */
function exposedServiceFor(settings: RedisSettings, name: string, port: typeof servicePort, extraSelector: Record<string, string> = {}) {
    const { service } = settings;
    return {
        apiVersion: "v1" as const,
        kind: "Service" as const,
        metadata: metadataFor(settings, name, { annotations: service.annotations }),
        spec: {
            type: service.type,
            selector: { ...selectorLabels(settings), ...extraSelector },
            ports: [port],
            ...(service.loadBalancerSourceRanges.length > 0 ? { loadBalancerSourceRanges: service.loadBalancerSourceRanges } : {}),
        },
    } satisfies k8s.types.input.core.v1.Service;
}
