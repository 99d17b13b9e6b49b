import { RedisConnection } from "../api/outputs";
import { REDIS_PORT } from "./constants";
import { RedisSettings } from "./settings";

/** The URL clients connect with; the password is URL-encoded so any password survives. */
export function redisUrl(host: string, password: string): string {
    return `redis://:${encodeURIComponent(password)}@${host}:${REDIS_PORT}`;
}

/** Everything a client needs, from the settings and the values only known at deploy time. */
export function connectionFor(settings: RedisSettings, host: string, password: string, passwordSecretName: string): RedisConnection {
    return {
        host,
        port: REDIS_PORT,
        password,
        url: redisUrl(host, password),
        namespace: settings.namespace,
        passwordSecretName,
        passwordSecretKey: settings.auth.secretKey,
        sentinels: [],
        masterName: "",
        seedNodes: [],
    };
}
