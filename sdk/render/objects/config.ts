import * as crypto from "crypto";
import { RedisMode } from "../../api/args";
import { REDIS_CONF_KEY, SENTINEL_CONF_KEY } from "../../core/constants";
import { RedisSettings, unreachable } from "../../core/settings";
import { renderRedisConf } from "../conf/redis-conf";
import { renderSentinelConf } from "../conf/sentinel-conf";
import { podScripts } from "../scripts";
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
    return { ...configFiles(settings), ...podScripts(settings) };
}

/** The configuration files of a topology, by ConfigMap key; the pods mount them in `PATHS.configDir`. */
export function configFiles(settings: RedisSettings): Record<string, string> {
    const topology = settings.topology;
    switch (topology.kind) {
        case RedisMode.Standalone:
            return { [REDIS_CONF_KEY]: renderRedisConf(settings) };
        case RedisMode.Sentinel:
            return { [REDIS_CONF_KEY]: renderRedisConf(settings), [SENTINEL_CONF_KEY]: renderSentinelConf(topology) };
        case RedisMode.Cluster:
            throw new Error("mode cluster has no configuration yet");
        default:
            return unreachable(topology);
    }
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
