import * as pulumi from "@pulumi/pulumi";
import { Redis, RedisArgs } from "./sdk/index";

/** How one Redis argument is read from stack config: the keys it takes and how. */
interface StackArgument<K extends keyof RedisArgs> {
    keys: string[];
    read(config: pulumi.Config): RedisArgs[K];
}

/**
 * Every Redis argument, with the stack config keys (under the project's namespace, e.g.
 * `kubernetes-redis:namespace`) that set it. Typed against RedisArgs: an argument added to the
 * package without a way to set it here fails to compile. README.md documents the keys.
 */
const STACK_ARGUMENTS: { [K in keyof Required<RedisArgs>]: StackArgument<K> } = {
    mode: { keys: ["mode"], read: (c) => c.get("mode") as RedisArgs["mode"] },
    replicas: { keys: ["replicas"], read: (c) => c.getNumber("replicas") },
    sentinel: { keys: ["sentinel"], read: (c) => c.getObject("sentinel") },
    podAntiAffinity: { keys: ["podAntiAffinity"], read: (c) => c.get("podAntiAffinity") as RedisArgs["podAntiAffinity"] },
    namespace: { keys: ["namespace"], read: (c) => c.get("namespace") },
    createNamespace: { keys: ["createNamespace"], read: (c) => c.getBoolean("createNamespace") },
    engine: { keys: ["engine"], read: (c) => c.get("engine") as RedisArgs["engine"] },
    image: { keys: ["image"], read: (c) => c.get("image") },
    cloud: { keys: ["cloud"], read: (c) => c.get("cloud") as RedisArgs["cloud"] },
    persistence: { keys: ["persistence"], read: (c) => c.getObject("persistence") },
    resources: { keys: ["resources"], read: (c) => c.getObject("resources") },
    memory: { keys: ["memory"], read: (c) => c.getObject("memory") },
    auth: {
        // `password` is set with `pulumi config set --secret`.
        keys: ["password", "existingSecret"],
        read: (c) => {
            const password = c.getSecret("password");
            const existingSecret = c.getObject<{ name: string; key?: string }>("existingSecret");
            return password !== undefined || existingSecret !== undefined ? withoutUndefined({ password, existingSecret }) : undefined;
        },
    },
    config: { keys: ["redisConfig"], read: (c) => c.getObject("redisConfig") },
    service: { keys: ["service"], read: (c) => c.getObject("service") },
    podLabels: { keys: ["podLabels"], read: (c) => c.getObject("podLabels") },
    podAnnotations: { keys: ["podAnnotations"], read: (c) => c.getObject("podAnnotations") },
    nodeSelector: { keys: ["nodeSelector"], read: (c) => c.getObject("nodeSelector") },
    priorityClassName: { keys: ["priorityClassName"], read: (c) => c.get("priorityClassName") },
    terminationGracePeriodSeconds: { keys: ["terminationGracePeriodSeconds"], read: (c) => c.getNumber("terminationGracePeriodSeconds") },
};

/** The name of the Redis component (and of its Kubernetes objects) when `name` is not set. */
export const DEFAULT_STACK_REDIS_NAME = "redis";

/** Every stack config key the program accepts. */
export const STACK_KEYS = ["name", ...Object.values(STACK_ARGUMENTS).flatMap((argument) => argument.keys)];

/** Builds the Redis arguments from stack config; an unknown key is an error, not a silent no-op. */
export function stackArgs(): { name: string; args: RedisArgs } {
    const project = pulumi.getProject();
    const config = new pulumi.Config();
    const prefix = `${project}:`;
    for (const key of Object.keys(pulumi.runtime.allConfig())) {
        const short = key.startsWith(prefix) ? key.slice(prefix.length) : undefined;
        if (short !== undefined && !STACK_KEYS.includes(short)) {
            throw new Error(
                `stack config ${key} is not a setting of this program; the accepted keys are ${STACK_KEYS.map((k) => prefix + k).join(", ")}`,
            );
        }
    }
    const args = Object.fromEntries(Object.entries(STACK_ARGUMENTS).map(([argument, { read }]) => [argument, read(config)]));
    return { name: config.get("name") ?? DEFAULT_STACK_REDIS_NAME, args: withoutUndefined(args) as RedisArgs };
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
