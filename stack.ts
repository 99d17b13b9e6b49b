import * as pulumi from "@pulumi/pulumi";
import { Redis, RedisArgs } from "./sdk/index";

/**
 * The stack program's configuration keys (under the project's namespace, e.g.
 * `kubernetes-redis:namespace`), each mapped onto the Redis argument of the same meaning.
 * README.md documents them.
 */
const STACK_KEYS = [
    "name",
    "mode",
    "replicas",
    "namespace",
    "createNamespace",
    "image",
    "cloud",
    "persistence",
    "resources",
    "memory",
    "password",
    "existingSecret",
    "redisConfig",
    "service",
    "podLabels",
    "podAnnotations",
    "nodeSelector",
    "priorityClassName",
    "terminationGracePeriodSeconds",
] as const;

/** The name of the Redis component (and of its Kubernetes objects) when `name` is not set. */
export const DEFAULT_STACK_REDIS_NAME = "redis";

/** Builds the Redis arguments from stack config; an unknown key is an error, not a silent no-op. */
export function stackArgs(): { name: string; args: RedisArgs } {
    const project = pulumi.getProject();
    const config = new pulumi.Config();
    const prefix = `${project}:`;
    for (const key of Object.keys(pulumi.runtime.allConfig())) {
        const short = key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
        if (short !== undefined && !(STACK_KEYS as readonly string[]).includes(short)) {
            throw new Error(
                `stack config ${key} is not a setting of this program; the accepted keys are ${STACK_KEYS.map((k) => prefix + k).join(", ")}`,
            );
        }
    }
    const password = config.getSecret("password");
    const existingSecret = config.getObject<{ name: string; key?: string }>("existingSecret");
    const args: RedisArgs = {
        mode: config.get("mode") as RedisArgs["mode"],
        replicas: config.getNumber("replicas"),
        namespace: config.get("namespace"),
        createNamespace: config.getBoolean("createNamespace"),
        image: config.get("image"),
        cloud: config.get("cloud") as RedisArgs["cloud"],
        persistence: config.getObject("persistence"),
        resources: config.getObject("resources"),
        memory: config.getObject("memory"),
        auth: password !== undefined || existingSecret !== undefined ? { password, existingSecret } : undefined,
        config: config.getObject("redisConfig"),
        service: config.getObject("service"),
        podLabels: config.getObject("podLabels"),
        podAnnotations: config.getObject("podAnnotations"),
        nodeSelector: config.getObject("nodeSelector"),
        priorityClassName: config.get("priorityClassName"),
        terminationGracePeriodSeconds: config.getNumber("terminationGracePeriodSeconds"),
    };
    return { name: config.get("name") ?? DEFAULT_STACK_REDIS_NAME, args: withoutUndefined(args) };
}

/** The stack's outputs: `connection` for StackReference consumers, and its non-secret parts. */
export function deployStack() {
    const { name, args } = stackArgs();
    const redis = new Redis(name, args);
    return {
        connection: redis.connection,
        host: redis.host,
        port: redis.port,
        namespace: redis.namespace,
        passwordSecretName: redis.passwordSecretName,
    };
}

function withoutUndefined<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
