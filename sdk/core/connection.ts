import { RedisMode } from "../api/args";
import { RedisConnection } from "../api/outputs";
import { REDIS_PORT, SENTINEL_PORT } from "./constants";
import { podHost, serviceHost } from "./names";
import { RedisSettings, unreachable } from "./settings";

/** The URL of a Service; the password is URL-encoded so any password survives. */
export function redisUrl(host: string, password: string, port: number = REDIS_PORT): string {
    return `redis://:${encodeURIComponent(password)}@${host}:${port}`;
}

/** The port of the client Service: the server's, or in mode sentinel the Sentinels'. */
export function clientPort(settings: RedisSettings): number {
    const topology = settings.topology;
    switch (topology.kind) {
        case RedisMode.Standalone:
            return REDIS_PORT;
        case RedisMode.Sentinel:
            return SENTINEL_PORT;
        case RedisMode.Cluster:
            return REDIS_PORT;
        default:
            return unreachable(topology);
    }
}

/** Everything a client needs, from the settings and the values only known at deploy time. */
export function connectionFor(settings: RedisSettings, host: string, password: string, passwordSecretName: string): RedisConnection {
    const topology = settings.topology;
    const port = clientPort(settings);
    const common = {
        host,
        port,
        password,
        url: redisUrl(host, password, port),
        namespace: settings.namespace,
        passwordSecretName,
        passwordSecretKey: settings.auth.secretKey,
        sentinels: [] as string[],
        masterName: "",
        primaryHost: host,
        primaryUrl: redisUrl(host, password),
        readHost: host,
        seedNodes: [] as string[],
    };
    switch (topology.kind) {
        case RedisMode.Standalone:
        case RedisMode.Cluster:
            return common;
        case RedisMode.Sentinel:
            return {
                ...common,
                sentinels: Array.from(
                    { length: topology.servers },
                    (_, ordinal) => `${podHost(settings.names, ordinal, settings.namespace)}:${SENTINEL_PORT}`,
                ),
                masterName: topology.masterName,
                primaryHost: serviceHost(settings.names.primaryService, settings.namespace),
                primaryUrl: redisUrl(serviceHost(settings.names.primaryService, settings.namespace), password),
                readHost: serviceHost(settings.names.readService, settings.namespace),
            };
        default:
            return unreachable(topology);
    }
}
