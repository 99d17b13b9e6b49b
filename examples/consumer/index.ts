import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RedisConnection } from "kubernetes-redis";

const config = new pulumi.Config();
const redisStack = new pulumi.StackReference(config.require("redisStack"));
// The whole object is a secret output of the Redis stack, and stays one here.
const connection = redisStack.requireOutput("connection") as pulumi.Output<RedisConnection>;

const namespace = new k8s.core.v1.Namespace("app", {
    metadata: {
        name: config.get("namespace") ?? "app",
        labels: { "pod-security.kubernetes.io/enforce": "restricted" },
    },
});

// The application's own copy of the connection, in its own namespace: Secrets cannot be
// referenced across namespaces.
const redisSecret = new k8s.core.v1.Secret("app-redis", {
    metadata: { name: "app-redis", namespace: namespace.metadata.name },
    type: "Opaque",
    stringData: {
        REDIS_HOST: connection.host,
        REDIS_PORT: connection.apply((c) => String(c.port)),
        REDIS_URL: connection.url,
        // redis-cli reads the password from REDISCLI_AUTH, so it never reaches a command line.
        REDISCLI_AUTH: connection.password,
    },
});

const labels = { "app.kubernetes.io/name": "heartbeat" };
const fromSecret = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: redisSecret.metadata.name, key } } });

// A small worker that records a heartbeat in Redis every five seconds.
const app = new k8s.apps.v1.Deployment("heartbeat", {
    metadata: { name: "heartbeat", namespace: namespace.metadata.name },
    spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
            metadata: { labels },
            spec: {
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, seccompProfile: { type: "RuntimeDefault" } },
                containers: [
                    {
                        name: "heartbeat",
                        // The local cluster's client image (node, node-redis, redis-cli), built by tools/toolchain.
                        image: "localhost/kubernetes-redis/node-client:20.19.2-trixie",
                        command: [
                            "sh",
                            "-c",
                            'while true; do redis-cli --no-auth-warning -h "$REDIS_HOST" -p "$REDIS_PORT" INCR heartbeats; sleep 5; done',
                        ],
                        env: [fromSecret("REDIS_HOST"), fromSecret("REDIS_PORT"), fromSecret("REDISCLI_AUTH")],
                        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            readOnlyRootFilesystem: true,
                            capabilities: { drop: ["ALL"] },
                        },
                    },
                ],
            },
        },
    },
});

export const appNamespace = namespace.metadata.name;
export const deployment = app.metadata.name;
export const redisHost = connection.host;
