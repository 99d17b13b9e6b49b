import * as fs from "fs";
import * as https from "https";
import * as YAML from "yaml";
import { Loose } from "../../support/loose";

/** A Kubernetes object as the API server takes and returns it. */
export type KubeObject = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: Loose };

/** An error answer of the API server: its HTTP status and Status message. */
export class KubeError extends Error {
    constructor(
        readonly status: number,
        readonly reason: string,
        message: string,
    ) {
        super(message);
    }
}

/** Plural resource names of the kinds the tests use; the API server's discovery says the same. */
const RESOURCES: Record<string, { group: string; plural: string; namespaced: boolean }> = {
    Namespace: { group: "", plural: "namespaces", namespaced: false },
    Node: { group: "", plural: "nodes", namespaced: false },
    PersistentVolume: { group: "", plural: "persistentvolumes", namespaced: false },
    PersistentVolumeClaim: { group: "", plural: "persistentvolumeclaims", namespaced: true },
    ConfigMap: { group: "", plural: "configmaps", namespaced: true },
    Secret: { group: "", plural: "secrets", namespaced: true },
    Service: { group: "", plural: "services", namespaced: true },
    Pod: { group: "", plural: "pods", namespaced: true },
    ServiceAccount: { group: "", plural: "serviceaccounts", namespaced: true },
    Role: { group: "rbac.authorization.k8s.io", plural: "roles", namespaced: true },
    RoleBinding: { group: "rbac.authorization.k8s.io", plural: "rolebindings", namespaced: true },
    Event: { group: "", plural: "events", namespaced: true },
    StatefulSet: { group: "apps", plural: "statefulsets", namespaced: true },
    Deployment: { group: "apps", plural: "deployments", namespaced: true },
    StorageClass: { group: "storage.k8s.io", plural: "storageclasses", namespaced: false },
    EndpointSlice: { group: "discovery.k8s.io", plural: "endpointslices", namespaced: true },
    PodDisruptionBudget: { group: "policy", plural: "poddisruptionbudgets", namespaced: true },
};

const VERSIONS: Record<string, string> = {
    "": "v1",
    apps: "v1",
    "storage.k8s.io": "v1",
    "discovery.k8s.io": "v1",
    policy: "v1",
    "rbac.authorization.k8s.io": "v1",
};

/** The REST path of a kind, optionally of one object of it. */
export function resourcePath(kind: string, namespace?: string, name?: string): string {
    const resource = RESOURCES[kind];
    if (!resource) {
        throw new Error(`the e2e harness does not know the kind ${kind}`);
    }
    const base = resource.group === "" ? "/api/v1" : `/apis/${resource.group}/${VERSIONS[resource.group]}`;
    const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? "default")}` : "";
    return `${base}${scope}/${resource.plural}${name ? `/${encodeURIComponent(name)}` : ""}`;
}

/**
 * A minimal client of the API server: the admin kubeconfig's client certificate over HTTPS.
 * Objects are applied with server-side apply, so that a second apply of a changed render updates
 * what the first created, as `pulumi up` does.
 */
export class KubeApi {
    private readonly agent: https.Agent;
    readonly server: URL;

    constructor(readonly kubeconfigPath: string) {
        const config = YAML.parse(fs.readFileSync(kubeconfigPath, "utf8")) as Loose;
        const context = config.contexts.find((c: Loose) => c.name === config["current-context"]).context;
        const cluster = config.clusters.find((c: Loose) => c.name === context.cluster).cluster;
        const user = config.users.find((u: Loose) => u.name === context.user).user;
        const decode = (data: string) => Buffer.from(data, "base64");
        this.server = new URL(cluster.server);
        this.agent = new https.Agent({
            ca: decode(cluster["certificate-authority-data"]),
            cert: decode(user["client-certificate-data"]),
            key: decode(user["client-key-data"]),
            keepAlive: true,
            maxSockets: 8,
        });
    }

    /** One request; JSON in and out. Rejects with a KubeError on a non-2xx answer. */
    request(method: string, path: string, body?: unknown, contentType = "application/json", timeoutMs = 15000): Promise<Loose> {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        return new Promise((resolve, reject) => {
            const request = https.request(
                {
                    host: this.server.hostname,
                    port: this.server.port,
                    path,
                    method,
                    agent: this.agent,
                    timeout: timeoutMs,
                    headers: {
                        accept: "application/json",
                        ...(payload ? { "content-type": contentType, "content-length": payload.length } : {}),
                    },
                },
                (response) => {
                    const chunks: Buffer[] = [];
                    response.on("data", (chunk: Buffer) => chunks.push(chunk));
                    response.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let parsed: Loose = text;
                        try {
                            parsed = text ? JSON.parse(text) : undefined;
                        } catch {
                            // a plain-text answer (/readyz) stays text
                        }
                        const status = response.statusCode ?? 0;
                        if (status >= 200 && status < 300) {
                            resolve(parsed);
                        } else {
                            const message = typeof parsed === "object" && parsed?.message ? parsed.message : text;
                            reject(new KubeError(status, parsed?.reason ?? "", `${method} ${path}: ${status} ${message}`));
                        }
                    });
                },
            );
            request.on("timeout", () => request.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
            request.on("error", reject);
            request.end(payload);
        });
    }

    get(kind: string, namespace: string | undefined, name: string): Promise<Loose> {
        return this.request("GET", resourcePath(kind, namespace, name));
    }

    /** The object, or undefined when it does not exist. */
    async find(kind: string, namespace: string | undefined, name: string): Promise<Loose | undefined> {
        try {
            return await this.get(kind, namespace, name);
        } catch (error) {
            if (error instanceof KubeError && error.status === 404) {
                return undefined;
            }
            throw error;
        }
    }

    async list(kind: string, namespace?: string, labelSelector?: string): Promise<Loose[]> {
        const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
        return (await this.request("GET", resourcePath(kind, namespace) + query)).items;
    }

    /** Server-side apply of one object (created when absent, updated otherwise). */
    apply(object: KubeObject, fieldManager = "kubernetes-redis-e2e"): Promise<Loose> {
        const path = resourcePath(object.kind as string, object.metadata?.namespace, object.metadata?.name);
        // JSON is YAML: the apply-patch content type takes it as it is.
        return this.request("PATCH", `${path}?fieldManager=${fieldManager}&force=true`, object, "application/apply-patch+yaml");
    }

    /** A strategic-merge (or merge, for custom kinds) patch. */
    patch(kind: string, namespace: string | undefined, name: string, patch: unknown): Promise<Loose> {
        return this.request("PATCH", resourcePath(kind, namespace, name), patch, "application/strategic-merge-patch+json");
    }

    create(object: KubeObject): Promise<Loose> {
        return this.request("POST", resourcePath(object.kind as string, object.metadata?.namespace), object);
    }

    /**
     * Deletes an object; absent is fine. `gracePeriodSeconds: 0` is a force delete: the object
     * goes from the API server at once, whatever its kubelet knows. `propagationPolicy: "Orphan"`
     * leaves the objects it owns (a StatefulSet's pods) in place.
     */
    async delete(
        kind: string,
        namespace: string | undefined,
        name: string,
        options: { gracePeriodSeconds?: number; propagationPolicy?: "Background" | "Orphan" } = {},
    ): Promise<void> {
        const body = {
            kind: "DeleteOptions",
            apiVersion: "v1",
            propagationPolicy: options.propagationPolicy ?? "Background",
            ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
        };
        try {
            await this.request("DELETE", resourcePath(kind, namespace, name), body);
        } catch (error) {
            if (!(error instanceof KubeError && error.status === 404)) {
                throw error;
            }
        }
    }

    /** Drops every open connection; later requests open new ones. */
    resetConnections(): void {
        this.agent.destroy();
    }

    close(): void {
        this.agent.destroy();
    }
}
