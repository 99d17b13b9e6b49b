import type * as k8s from "@pulumi/kubernetes";
import { REDIS_PORT, REDIS_PORT_NAME, SENTINEL_PORT, SENTINEL_PORT_NAME } from "../../core/constants";
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

/** A Service over the ready pods, exposed as the `service` argument says (type, annotations, source ranges). */
function exposedServiceFor(settings: RedisSettings, name: string, port: typeof servicePort) {
    const { service } = settings;
    return {
        apiVersion: "v1" as const,
        kind: "Service" as const,
        metadata: metadataFor(settings, name, { annotations: service.annotations }),
        spec: {
            type: service.type,
            selector: selectorLabels(settings),
            ports: [port],
            ...(service.loadBalancerSourceRanges.length > 0 ? { loadBalancerSourceRanges: service.loadBalancerSourceRanges } : {}),
        },
    } satisfies k8s.types.input.core.v1.Service;
}
