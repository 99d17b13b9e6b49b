import type * as k8s from "@pulumi/kubernetes";
import { REDIS_PORT, REDIS_PORT_NAME, SENTINEL_PORT, SENTINEL_PORT_NAME } from "../../core/constants";
import { podName } from "../../core/names";
import { RedisSettings } from "../../core/settings";
import { metadataFor, selectorLabels } from "./labels";

/** The label the StatefulSet controller gives each of its pods: the pod's name. */
const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

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
 * Mode sentinel: the Service of one pod, named as the pod, with the server's and the Sentinel's
 * ports. The servers and the Sentinels announce themselves, and reach each other, by these
 * Services' names (`<pod>.<namespace>.svc.cluster.local`), never by a pod's own DNS name:
 *   - the name resolves to the Service's virtual IP, which is the same for the life of the
 *     deployment, so an address that a Sentinel resolved once, or that DNS cached, stays right
 *     when the pod comes back under a new address (after a crash, on another node, after a full
 *     restart);
 *   - the name resolves as soon as the Service exists, before the pod does, so no resolver
 *     caches "no such name" for a pod that is being created (a Sentinel that cannot resolve the
 *     master it learns about keeps the old one: bitnami/charts#36304).
 * Not-ready pods stay behind their Service: a replica that synchronises, a master that loads, a
 * terminating master that hands over must all stay reachable by the Sentinels.
 */
export function podServiceFor(settings: RedisSettings, ordinal: number) {
    const name = podName(settings.names, ordinal);
    return {
        apiVersion: "v1" as const,
        kind: "Service" as const,
        metadata: metadataFor(settings, name),
        spec: {
            type: "ClusterIP",
            publishNotReadyAddresses: true,
            selector: { ...selectorLabels(settings), [POD_NAME_LABEL]: name },
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
