import { RedisMode } from "../api/args";
import { RedisSettings, unreachable } from "../core/settings";
import { inApplyOrder } from "./order";
import { DeployTimeValues, Rendered } from "./rendered";
import { renderSentinel } from "./topologies/sentinel";
import { renderStandalone } from "./topologies/standalone";

export { APPLY_ORDER, inApplyOrder } from "./order";
export { DeployTimeValues, HostAlias, hostAliasEntries, KubeObject, Rendered, withHostAliases } from "./rendered";

/**
 * Every object of a deployment, in apply order, each with its key, dependencies and replacement
 * policy. One file per topology decides its objects.
 */
export function renderDeployment<T>(settings: RedisSettings, values: DeployTimeValues<T>): Rendered[] {
    const topology = settings.topology;
    switch (topology.kind) {
        case RedisMode.Standalone:
            return inApplyOrder(renderStandalone(settings, values), (entry) => entry.object.kind);
        case RedisMode.Sentinel:
            return inApplyOrder(renderSentinel(settings, topology, values), (entry) => entry.object.kind);
        case RedisMode.Cluster:
            // resolveSettings refuses this mode until its renderer exists.
            throw new Error(`mode "${topology.kind}" has no renderer`);
        default:
            return unreachable(topology);
    }
}
