import { Loose } from "../../support/loose";
import { PROTECTED_NODE } from "./cluster";
import { KubeObject } from "./kube";

/** The images the cluster's nodes hold (tools/cluster/README.md: Images). */
export const IMAGES = {
    redis: "localhost/kubernetes-redis/redis:8.0.2-trixie",
    valkey: "localhost/kubernetes-redis/valkey:8.1.1-trixie",
    nodeClient: "localhost/kubernetes-redis/node-client:20.19.2-trixie",
    /** kubectl on Debian, as registry.k8s.io/kubectl (tools/cluster/local-images.sh). */
    kubectl: "localhost/kubernetes-redis/kubectl:v1.36.3",
};

/** A container security context that `restricted` admits. */
export const RESTRICTED_CONTAINER = {
    runAsNonRoot: true,
    runAsUser: 999,
    runAsGroup: 999,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** Required node affinity: anywhere but these nodes (the protected node always among them). */
export function avoidNodes(...nodes: string[]): Loose {
    return {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                    { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "NotIn", values: [PROTECTED_NODE, ...nodes] }] },
                ],
            },
        },
    };
}

/** Required node affinity: exactly this node. */
export function onNode(node: string): Loose {
    return {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }],
            },
        },
    };
}

/** The rendered objects with the StatefulSet's pod template given this affinity (a test fixture, not a package argument). */
export function withAffinity(objects: KubeObject[], affinity: Loose): KubeObject[] {
    return objects.map((object) => {
        if (object.kind !== "StatefulSet") {
            return object;
        }
        const copy = structuredClone(object) as Loose;
        copy.spec.template.spec.affinity = affinity;
        return copy;
    });
}

/**
 * A per-key delay while loading (a Redis debugging knob, which the package refuses in `config`)
 * makes "loading a large dataset" last long enough to watch the readiness probe. The tests add
 * it to the rendered redis.conf as a fixture of their own.
 */
export function withSlowLoading(objects: KubeObject[], microsecondsPerKey = 50): KubeObject[] {
    return objects.map((object) => {
        if (object.kind !== "ConfigMap") {
            return object;
        }
        const data = object.data as Record<string, string>;
        return {
            ...object,
            data: { ...data, "redis.conf": `${data["redis.conf"]}\n# Test fixture: slow loading\nkey-load-delay ${microsecondsPerKey}\n` },
        };
    });
}

/** A pod that idles (node-client image: node, node-redis, redis-cli), for exec'ing clients in the cluster. */
export function clientPod(namespace: string, name: string, options: { env?: Loose[]; affinity?: Loose } = {}): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace, labels: { app: name } },
        spec: {
            affinity: options.affinity,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 1,
            containers: [
                {
                    name: "client",
                    image: IMAGES.nodeClient,
                    imagePullPolicy: "IfNotPresent",
                    command: ["sleep", "infinity"],
                    env: options.env ?? [],
                    securityContext: RESTRICTED_CONTAINER,
                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                },
            ],
        },
    };
}

/**
 * A TCP server that answers every connection with its pod's name, then closes it. With
 * `ignoreSigterm` it keeps serving after SIGTERM until SIGKILL, so that a test can watch what
 * the endpoints do while the pod terminates.
 */
export function echoPod(
    namespace: string,
    name: string,
    app: string,
    options: { ignoreSigterm?: boolean; grace?: number; affinity?: Loose } = {},
): KubeObject {
    const script = [
        "const net = require('net');",
        // A kubelet TCP probe resets its connection: that must not crash the server.
        "net.createServer((s) => { s.on('error', () => {}); s.end(process.env.POD_NAME + '\\n'); }).listen(8080);",
        options.ignoreSigterm
            ? "process.on('SIGTERM', () => console.log('SIGTERM ignored'));"
            : "process.on('SIGTERM', () => process.exit(0));",
    ].join(" ");
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace, labels: { app } },
        spec: {
            affinity: options.affinity,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: options.grace ?? 1,
            containers: [
                {
                    name: "echo",
                    image: IMAGES.nodeClient,
                    imagePullPolicy: "IfNotPresent",
                    command: ["node", "-e", script],
                    env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
                    ports: [{ name: "echo", containerPort: 8080 }],
                    readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
                    securityContext: RESTRICTED_CONTAINER,
                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "96Mi" } },
                },
            ],
        },
    };
}

export function echoService(namespace: string, app: string): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: app, namespace },
        spec: { selector: { app }, ports: [{ name: "echo", port: 80, targetPort: 8080 }] },
    };
}
