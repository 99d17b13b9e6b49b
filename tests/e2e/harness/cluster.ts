import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { inApplyOrder } from "../../../sdk/render/order";
import { Loose } from "../../support/loose";
import { KubeApi, KubeObject } from "./kube";
import { waitFor } from "./wait";

/** The state directory of `tools/cluster/cluster.sh` (its README: KUBERNETES_REDIS_CLUSTER_DIR). */
export const CLUSTER_STATE = process.env.KUBERNETES_REDIS_CLUSTER_DIR ?? "/var/tmp/kubernetes-redis/cluster";
export const KUBECONFIG = path.join(CLUSTER_STATE, "kubeconfig", "admin.conf");

/** The node with the other users' volumes: never faulted, and test pods that are faulted avoid it. */
export const PROTECTED_NODE = "kr-node-1";

/** Labels of a namespace that enforces the restricted Pod Security Standard. */
export const RESTRICTED = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
};

/** Every namespace a test creates carries this label, so that a leftover is recognised. */
export const TEST_LABEL = "kubernetes-redis.io/e2e";

export interface ExecResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Why the cluster cannot be used, or undefined when it runs with three Ready nodes. */
export async function clusterUnavailable(): Promise<string | undefined> {
    if (process.getuid?.() !== 0) {
        return "the cluster suite needs root (cgroup freezer, iptables, nsenter)";
    }
    if (!fs.existsSync(KUBECONFIG)) {
        return `no cluster: ${KUBECONFIG} is missing (start one with tools/cluster/cluster.sh up)`;
    }
    const api = new KubeApi(KUBECONFIG);
    try {
        await api.request("GET", "/readyz", undefined, undefined, 5000);
        const nodes = await api.list("Node");
        const ready = nodes.filter((node) => nodeReady(node) === "True").map((node) => node.metadata.name);
        if (ready.length < 3) {
            return `the cluster has ${ready.length} Ready nodes (${ready.join(", ")}), the suite needs 3`;
        }
        return undefined;
    } catch (error) {
        return `no cluster answers at ${api.server.href}: ${(error as Error).message} (start one with tools/cluster/cluster.sh up)`;
    } finally {
        api.close();
    }
}

export function nodeReady(node: Loose): string {
    return node?.status?.conditions?.find((c: Loose) => c.type === "Ready")?.status ?? "Unknown";
}

export function podReady(pod: Loose): boolean {
    return pod?.status?.conditions?.some((c: Loose) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Restarts of a container, or of a sidecar (an init container that restarts always). */
export function restartCount(pod: Loose, container: string): number {
    const statuses = [...(pod?.status?.containerStatuses ?? []), ...(pod?.status?.initContainerStatuses ?? [])];
    return statuses.find((c: Loose) => c.name === container)?.restartCount ?? 0;
}

/** The real cluster, through its API server (and kubectl for exec). */
export class Cluster {
    readonly api = new KubeApi(KUBECONFIG);
    readonly kubectl = execFileSync(path.join(__dirname, "kubectl-path.sh"), { encoding: "utf8" }).trim();

    /** Applies objects in the package's apply order (server-side apply). */
    async apply(objects: KubeObject[]): Promise<void> {
        for (const object of inApplyOrder(objects, (o) => o.kind as string)) {
            await this.api.apply(object);
        }
    }

    /** Deletes objects in reverse apply order; absent ones are fine. */
    async delete(objects: KubeObject[]): Promise<void> {
        for (const object of inApplyOrder(objects, (o) => o.kind as string).reverse()) {
            await this.api.delete(object.kind as string, object.metadata?.namespace, object.metadata?.name);
        }
    }

    /** A namespace of the test's own, enforcing `restricted`. */
    async createNamespace(name: string): Promise<void> {
        await this.api.apply({
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name, labels: { ...RESTRICTED, [TEST_LABEL]: "true" } },
        });
    }

    /** Deletes a namespace and waits until it is gone (its pods stopped, its objects removed). */
    async deleteNamespace(name: string, timeoutMs = 120000): Promise<void> {
        await this.api.delete("Namespace", undefined, name);
        await waitFor(
            async () => (await this.api.find("Namespace", undefined, name)) === undefined,
            timeoutMs,
            `namespace ${name} deleted`,
            500,
        );
    }

    pod(namespace: string, name: string): Promise<Loose | undefined> {
        return this.api.find("Pod", namespace, name);
    }

    async podIP(namespace: string, name: string): Promise<string> {
        const ip = (await this.pod(namespace, name))?.status?.podIP;
        if (!ip) {
            throw new Error(`pod ${namespace}/${name} has no IP`);
        }
        return ip;
    }

    async podNode(namespace: string, name: string): Promise<string> {
        const node = (await this.pod(namespace, name))?.spec?.nodeName;
        if (!node) {
            throw new Error(`pod ${namespace}/${name} is not scheduled`);
        }
        return node;
    }

    /** Waits until the pod is Ready (and, with `notUid`, is a new pod of that name). */
    waitPodReady(namespace: string, name: string, options: { timeoutMs?: number; notUid?: string } = {}): Promise<Loose> {
        return waitFor(
            async () => {
                const pod = await this.pod(namespace, name);
                return pod && !pod.metadata.deletionTimestamp && podReady(pod) && pod.metadata.uid !== options.notUid ? pod : undefined;
            },
            options.timeoutMs ?? 120000,
            `pod ${namespace}/${name} Ready`,
        );
    }

    /**
     * Waits until a pod is Ready in a container that started at or after `sinceMs`: after a restart
     * of the whole cluster, the API server still holds the statuses from before it.
     */
    waitPodReadySince(namespace: string, name: string, sinceMs: number, timeoutMs = 180000): Promise<Loose> {
        const sinceSecond = Math.floor(sinceMs / 1000) * 1000;
        return waitFor(
            async () => {
                const pod = await this.pod(namespace, name);
                const started = (pod?.status?.containerStatuses ?? []).map((c: Loose) => Date.parse(c.state?.running?.startedAt ?? ""));
                const fresh = started.length > 0 && started.every((t: number) => t >= sinceSecond);
                return pod && podReady(pod) && fresh ? pod : undefined;
            },
            timeoutMs,
            `pod ${namespace}/${name} Ready in containers started after the restart`,
        );
    }

    /**
     * Restarts the whole cluster as a power cut and a boot would (`cluster.sh restart`): every
     * process killed at once, etcd and the nodes' /var/lib kept. Returns once the nodes report
     * Ready again and CoreDNS runs; the pods are still starting.
     */
    async restart(): Promise<void> {
        // Asynchronously: clients in this process (writers, Sentinel-aware clients) keep running.
        await new Promise<void>((resolve, reject) => {
            const child = execFile(
                path.join(__dirname, "..", "..", "..", "tools", "cluster", "cluster.sh"),
                ["restart"],
                { timeout: 600000, maxBuffer: 16 << 20 },
                (error, _stdout, stderr) => (error ? reject(new Error(`cluster.sh restart: ${error.message}\n${stderr}`)) : resolve()),
            );
            child.stdin?.end();
        });
        // The connections to the API server that was killed are dead.
        this.api.resetConnections();
    }

    /** Waits until a StatefulSet has rolled out: every replica updated and Ready. */
    waitStatefulSetReady(namespace: string, name: string, timeoutMs = 120000): Promise<Loose> {
        return waitFor(
            async () => {
                const set = await this.api.find("StatefulSet", namespace, name);
                const s = set?.status;
                const done =
                    s &&
                    s.observedGeneration >= set.metadata.generation &&
                    s.readyReplicas === set.spec.replicas &&
                    s.updatedReplicas === set.spec.replicas &&
                    s.currentRevision === s.updateRevision;
                return done ? set : undefined;
            },
            timeoutMs,
            `StatefulSet ${namespace}/${name} rolled out and Ready`,
        );
    }

    /** Graceful delete: the kubelet sends SIGTERM and waits the pod's grace period. */
    deletePod(namespace: string, name: string): Promise<void> {
        return this.api.delete("Pod", namespace, name);
    }

    /** Force delete: the pod leaves the API server at once, whatever its node still runs. */
    forceDeletePod(namespace: string, name: string): Promise<void> {
        return this.api.delete("Pod", namespace, name, { gracePeriodSeconds: 0 });
    }

    deleteClaim(namespace: string, name: string): Promise<void> {
        return this.api.delete("PersistentVolumeClaim", namespace, name);
    }

    async node(name: string): Promise<Loose> {
        return this.api.get("Node", undefined, name);
    }

    /** Runs argv in a container (kubectl exec); stdin is written when given. Never rejects on a non-zero exit. */
    exec(
        namespace: string,
        pod: string,
        argv: string[],
        options: { container?: string; stdin?: string; timeoutMs?: number } = {},
    ): Promise<ExecResult> {
        const args = ["--kubeconfig", KUBECONFIG, "exec", "-n", namespace, ...(options.stdin !== undefined ? ["-i"] : [])];
        args.push(...(options.container ? ["-c", options.container] : []), pod, "--", ...argv);
        return new Promise((resolve) => {
            const child = execFile(
                this.kubectl,
                args,
                { timeout: options.timeoutMs ?? 30000, maxBuffer: 16 << 20 },
                (error, stdout, stderr) => {
                    const code = error ? (typeof (error as Loose).code === "number" ? (error as Loose).code : -1) : 0;
                    resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
                },
            );
            child.stdin?.end(options.stdin ?? "");
        });
    }

    /** Events of an object, newest last, as "reason: message". */
    async events(namespace: string, name: string): Promise<string[]> {
        const events = await this.api.list("Event", namespace);
        return events
            .filter((e) => e.involvedObject?.name === name)
            .sort((a, b) => String(a.lastTimestamp ?? a.eventTime).localeCompare(String(b.lastTimestamp ?? b.eventTime)))
            .map((e) => `${e.reason}: ${e.message}`);
    }

    /**
     * The namespace's Warning events since `sinceMs`, oldest first, one line each: when, the
     * object, the reason, how often, and the message (a failed probe's output, a back-off).
     */
    async warnings(namespace: string, sinceMs: number): Promise<string[]> {
        const events = await this.api.list("Event", namespace);
        const last = (e: Loose) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? "") || 0;
        return events
            .filter((e) => e.type === "Warning" && last(e) >= sinceMs)
            .sort((a, b) => last(a) - last(b))
            .map((e) => {
                const container = /spec\.(?:initContainers|containers)\{(.+)\}/.exec(e.involvedObject?.fieldPath ?? "")?.[1];
                const object = `${e.involvedObject?.name}${container ? `/${container}` : ""}`;
                const count = (e.count ?? 1) > 1 ? ` (x${e.count})` : "";
                return `${new Date(last(e)).toISOString().slice(11, 19)} ${object} ${e.reason}${count}: ${String(e.message).trim()}`;
            });
    }

    close(): void {
        this.api.close();
    }
}
