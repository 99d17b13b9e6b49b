import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import Redis from "ioredis";
import { RedisArgs } from "../../../sdk/api/args";
import { localVolumePath, podHost, resourceNames, serviceHost } from "../../../sdk/core/names";
import { renderRedis } from "../../../tools/render";
import { Loose } from "../../support/loose";
import { Cluster, KUBECONFIG, podReady, PROTECTED_NODE } from "./cluster";
import { Faults, inNodeMounts, makeNodeDirectory } from "./faults";
import { clientPod, IMAGES, onNode } from "./fixtures";
import { KubeObject } from "./kube";
import { PodLogRecorder } from "./pod-logs";
import { AckedWriter, ClusterDns, sentinelClient } from "./sentinel";
import { waitFor } from "./wait";

/** What the clients saw through one fault, and how it ended. */
export interface FaultResult {
    label: string;
    masterBefore: string;
    masterAfter: string;
    /** By pod: when its server last acknowledged a WAIT write (ms since the epoch). */
    lastWaitAcknowledgedAt: Record<string, number>;
    /** The longest time without an acknowledged WAIT write, from the fault on. */
    pauseMs: number;
    /** The same for the plain writer. */
    plainPauseMs: number;
    /** From the fault until the deployment was whole again (see `healthy`). */
    healthyAfterMs: number;
    failedWaitWrites: number;
    failedPlainWrites: number;
    acknowledgedWaitWrites: number;
    acknowledgedPlainWrites: number;
    /** Writes WAITAOF 1 1 acknowledged (fsynced on the master and a replica): all checked present. */
    acknowledgedFsyncedWrites: number;
    lostPlainWrites: number;
    /** Only when every server crashed at once (see `FaultOptions`): the WAIT-acknowledged writes lost. */
    lostWaitWrites?: number;
    /** The errors the writers saw, by message (without the server's address), with counts. */
    errors: Record<string, number>;
    /** Times a writer's client had ended its connection for good and was connected again. */
    clientRestarts: number;
    /** Failover attempts the Sentinels abandoned unelected (see `abandonedElections`). */
    abandonedElections: number;
    /**
     * A client that does not speak Sentinel, writing through the primary Service (a new
     * connection for each write, as a client reconnects): the longest time without an
     * acknowledged write around the fault, and what it saw instead, by kind.
     */
    primaryPauseMs: number;
    primaryErrors: Record<string, number>;
}

/** How a fault strikes, where it changes what `throughFault` can check. */
export interface FaultOptions {
    /**
     * Every server crashes at once (a power cut). WAIT 1 confirms that a replica received a write,
     * not that any server wrote it to its append-only file: with `appendfsync everysec` a server
     * holds those file writes back while its background fsync runs (up to 2 s), so a crash of every server
     * at once can take such a write from all of them. The WAIT-acknowledged writes lost are then
     * counted, not asserted; the WAITAOF-acknowledged ones are asserted present, as in every case.
     */
    everyServerCrashes?: boolean;
}

/** The pod that writes through the primary Service throughout (see `primaryWrites`). */
const PRIMARY_WRITER = "primary-writer";

/**
 * Its loop: one redis-cli connection per write through the primary Service, ten a second, each
 * given a second; one line per write, "<ms since epoch> <sequence> <reply>".
 */
const PRIMARY_WRITER_SCRIPT = `i=0
while :; do
    i=$((i + 1))
    reply=$(timeout 1 redis-cli --no-auth-warning -h "$PRIMARY_HOST" SET primary-writer:last "$i" 2>&1 | head -c 80 | tr '\n' ' ')
    echo "$(date +%s%3N) $i \${reply:-timeout}"
    sleep 0.1
done`;

const podOf = (host: string) => host.split(".")[0];

/** The lines of each container's log that a failure's report shows: the decisions the scripts and the Sentinels took. */
export const REPORTED_LINES: Record<string, RegExp> = {
    redis: /^(role|pre-stop|start):|MASTER|PSYNC|[Ss]ync|[Ss]hutdown|SIGTERM|[Pp]aus|fsync|too long|WARNING/,
    fence: /^fence:/,
    labeler: /^labeler:/,
    sentinel:
        /[+-](sdown|odown|switch-master|failover|elected|promoted|slave-reconf|try-failover|reboot|convert|config-update-from|new-epoch)|sentinel:|[Rr]esolve/,
};

/** A client of one pod's server (6379) or Sentinel (26379), reached by IP from the host, that never retries. */
export function directClient(ip: string, password: string, port = 6379, timeouts = true): Redis {
    const redis = new Redis({
        host: ip,
        port,
        password,
        lazyConnect: true,
        ...(timeouts ? { connectTimeout: 1000, commandTimeout: 1000 } : {}),
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
    });
    redis.on("error", () => undefined);
    return redis;
}

function countErrors(messages: string[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const message of messages) {
        const key = message.replace(/ \(.*\)$/, "").slice(0, 80);
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}

/** INFO replication of a server, as key/value pairs. */
export async function replicationOf(ip: string, password: string, port = 6379): Promise<Record<string, string>> {
    const redis = directClient(ip, password, port);
    try {
        await redis.connect();
        const info = await redis.info("replication");
        return Object.fromEntries(
            info
                .split("\r\n")
                .filter((line) => line.includes(":"))
                .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]),
        );
    } finally {
        redis.disconnect();
    }
}

/** A Sentinel's view: the replicas and other Sentinels it knows, as field maps. */
export async function sentinelView(
    ip: string,
    password: string,
    masterName: string,
): Promise<{ replicas: Record<string, string>[]; sentinels: Record<string, string>[] }> {
    const redis = directClient(ip, password, 26379);
    const fields = (list: string[][]) =>
        list.map((flat) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]])));
    try {
        await redis.connect();
        const replicas = (await redis.call("SENTINEL", "replicas", masterName)) as string[][];
        const sentinels = (await redis.call("SENTINEL", "sentinels", masterName)) as string[][];
        return { replicas: fields(replicas), sentinels: fields(sentinels) };
    } finally {
        redis.disconnect();
    }
}

/** The master a Sentinel names, or nothing when it does not answer. */
export async function sentinelMaster(ip: string, password: string, masterName: string): Promise<string | undefined> {
    const redis = directClient(ip, password, 26379);
    try {
        await redis.connect();
        const reply = (await redis.call("SENTINEL", "get-master-addr-by-name", masterName)) as string[] | null;
        return reply?.[0];
    } catch {
        return undefined;
    } finally {
        redis.disconnect();
    }
}

/** The configuration epoch of the master a Sentinel names (which two Sentinels that name different masters must not share). */
async function sentinelConfigEpoch(ip: string, password: string, masterName: string): Promise<string | undefined> {
    const redis = directClient(ip, password, 26379);
    try {
        await redis.connect();
        const flat = (await redis.call("SENTINEL", "master", masterName)) as string[];
        return flat[flat.indexOf("config-epoch") + 1];
    } catch {
        return undefined;
    } finally {
        redis.disconnect();
    }
}

/**
 * A Sentinel deployment on the local cluster, as the component renders it, with the checks and
 * clients the fault matrix and the failover benchmark share: `healthy` (the deployment is whole),
 * `throughFault` (writers through a fault, every WAIT-acknowledged write checked on every server).
 */
export class SentinelDeployment {
    readonly volumeRoot = "/var/lib/kr-e2e-volumes";
    readonly nodes = ["kr-node-1", "kr-node-2", "kr-node-3"];
    args: RedisArgs;
    password = "";
    /** The volume directories made on the nodes, by ordinal: each with what removes it. */
    private readonly preparedVolumes = new Map<number, () => void>();
    /** The objects last applied. */
    private applied: KubeObject[] = [];
    dns!: ClusterDns;
    private readonly names;
    /** How many servers the deployment ran when it was deployed. */
    private readonly firstServers: number;
    /** Every container instance's log, deleted pods' included, from deploy() to remove(). */
    private readonly recorder: PodLogRecorder;
    /** When the last fault case began (throughFault), for logs(). */
    private faultCaseStartedAt = 0;

    constructor(
        readonly cluster: Cluster,
        readonly faults: Faults,
        readonly namespace: string,
        readonly name: string,
        image: string,
    ) {
        this.names = resourceNames(name);
        this.recorder = new PodLogRecorder(cluster, namespace, `app.kubernetes.io/instance=${name}`);
        this.args = {
            mode: "sentinel",
            namespace,
            image,
            resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "256Mi" } },
            persistence: { size: "1Gi", localVolumes: { path: this.volumeRoot, nodeNames: this.nodes } },
            sentinel: { kubectlImage: IMAGES.kubectl },
        };
        this.firstServers = this.servers;
    }

    /** How many servers the deployment runs, as its arguments say. */
    get servers(): number {
        return this.args.replicas ?? 3;
    }

    pods(servers = this.servers): string[] {
        return Array.from({ length: servers }, (_, ordinal) => `${this.name}-${ordinal}`);
    }

    hostOf(pod: string): string {
        return podHost(this.names, Number(pod.slice(pod.lastIndexOf("-") + 1)), this.namespace);
    }

    /** Creates the namespace and the volume directories, applies the render, waits until whole; returns the ms it took. */
    async deploy(): Promise<number> {
        this.recorder.start();
        this.prepareVolumes();
        await this.cluster.createNamespace(this.namespace);
        const objects = await this.render(this.args);
        this.password = (objects.find((o) => o.kind === "Secret") as Loose).stringData.password;
        const start = Date.now();
        await this.cluster.apply(objects);
        this.applied = objects;
        await this.cluster.apply([this.primaryWriterPod()]);
        this.dns = new ClusterDns(this.pods().map((pod) => this.hostOf(pod)));
        await this.healthy();
        await this.dns.start();
        return Date.now() - start;
    }

    /** Creates the local volumes' directories that the pods need and that do not exist yet, each on its pod's node. */
    private prepareVolumes(): void {
        for (const ordinal of this.pods().keys()) {
            if (!this.preparedVolumes.has(ordinal)) {
                this.preparedVolumes.set(
                    ordinal,
                    makeNodeDirectory(this.nodes[ordinal % this.nodes.length], this.volumeDirectory(ordinal)),
                );
            }
        }
    }

    /** On the node no fault touches: what it sees is the Service's doing, not the fault's. */
    private primaryWriterPod(): KubeObject {
        const pod = clientPod(this.namespace, PRIMARY_WRITER, {
            affinity: onNode(PROTECTED_NODE),
            env: [
                { name: "PRIMARY_HOST", value: serviceHost(this.names.primaryService, this.namespace) },
                { name: "REDISCLI_AUTH", valueFrom: { secretKeyRef: { name: this.names.secret, key: "password" } } },
            ],
        }) as Loose;
        pod.spec.containers[0].command = ["sh", "-c", PRIMARY_WRITER_SCRIPT];
        return pod;
    }

    /**
     * What the primary writer saw from `fromMs` to `toMs`: the longest time without an
     * acknowledged write (from `fromMs`), and the other replies by kind.
     */
    primaryWrites(fromMs: number, toMs: number): { pauseMs: number; errors: Record<string, number> } {
        const lines = (this.containerLog(PRIMARY_WRITER, "client", false, fromMs - 1000) ?? "").split("\n");
        const writes = lines
            .map((line) => /^(\d+) (\d+) (.*)$/.exec(line.trim()))
            .filter((match): match is RegExpExecArray => match !== null)
            .map((match) => ({ at: Number(match[1]), reply: match[3].trim() }))
            .filter((write) => write.at >= fromMs && write.at <= toMs);
        let pauseMs = 0;
        let last = fromMs;
        for (const write of writes.filter((w) => w.reply === "OK")) {
            pauseMs = Math.max(pauseMs, write.at - last);
            last = write.at;
        }
        pauseMs = Math.max(pauseMs, toMs - last);
        return { pauseMs, errors: countErrors(writes.filter((w) => w.reply !== "OK").map((w) => w.reply)) };
    }

    /**
     * What `pulumi up` with changed arguments does, the password kept: applies the render of the
     * arguments with `change` (a rolling update when the pods' template changes, more or fewer pods
     * with `replicas`), waits until the StatefulSet has rolled out, then deletes the objects the new
     * render no longer has (a removed pod's Service), except volumes and claims, which a scale-down
     * retains by default. Returns when the change was applied.
     */
    async update(change: Partial<RedisArgs>): Promise<number> {
        this.args = { ...this.args, ...change };
        this.prepareVolumes();
        const objects = await this.renderCurrent();
        const at = Date.now();
        await this.cluster.apply(objects);
        // A new pod's name is resolved only once the pod runs. Asked before the cluster DNS has
        // seen the pod's new Service (it watches the API, and lags on a busy machine), the name
        // answers "no such name", which the cluster DNS then caches for 30 s, for every pod: the
        // Sentinels could not resolve the new pod in that time (in one run, 874 failed lookups of
        // ha-4 over 25 s; a Sentinel that could not resolve ha-4 once a handover had promoted it
        // made it a replica of the old master again, and writes it had taken were lost). The
        // pod's own components announce its name before it runs, so this client never asks first.
        const watched = this.pods()
            .filter((pod) => !this.dns.watches(this.hostOf(pod)))
            .map((pod) =>
                waitFor(
                    async () => ((await this.cluster.pod(this.namespace, pod))?.status?.phase === "Running" ? true : undefined),
                    600000,
                    `${pod} running`,
                    250,
                ).then(() => this.dns.watch(this.hostOf(pod))),
            );
        await this.cluster.waitStatefulSetReady(this.namespace, this.name, 600000);
        await Promise.all(watched);
        const key = (object: KubeObject) => `${object.kind}/${object.metadata?.namespace}/${object.metadata?.name}`;
        const kept = new Set(objects.map(key));
        const removed = this.applied.filter(
            (object) => !kept.has(key(object)) && !["PersistentVolume", "PersistentVolumeClaim"].includes(object.kind as string),
        );
        await this.cluster.delete(removed);
        this.applied = objects;
        return at;
    }

    /**
     * Recreates the StatefulSet with another pod management policy (a field Kubernetes does not
     * let change), leaving its pods running: the new StatefulSet adopts them unchanged. The
     * package deploys Parallel; OrderedReady shows what the role decision does when pods come back
     * one at a time, in order, each waiting for the one before to be Ready.
     */
    async setPodManagementPolicy(policy: "OrderedReady" | "Parallel"): Promise<void> {
        const objects = await this.renderCurrent();
        const statefulSet = objects.find((object) => object.kind === "StatefulSet") as Loose;
        statefulSet.spec.podManagementPolicy = policy;
        await this.cluster.api.delete("StatefulSet", this.namespace, this.name, { propagationPolicy: "Orphan" });
        await waitFor(
            async () => (await this.cluster.api.find("StatefulSet", this.namespace, this.name)) === undefined,
            60000,
            "the StatefulSet deleted, its pods left running",
        );
        await this.cluster.apply([statefulSet]);
        await this.cluster.waitStatefulSetReady(this.namespace, this.name);
    }

    /**
     * Replaces a pod with a new one (a graceful delete, which the StatefulSet undoes) and waits
     * until the deployment is whole again. After a crash, so that the next crash of that server
     * is, as in production, the first of its container: the kubelet delays the restart of a
     * container that failed again within 10 minutes (10 s, doubling up to 5 minutes).
     */
    async replacePod(pod: string): Promise<void> {
        const uid = (await this.cluster.pod(this.namespace, pod))?.metadata.uid;
        await this.cluster.deletePod(this.namespace, pod);
        await waitFor(async () => ((await this.cluster.pod(this.namespace, pod))?.metadata.uid ?? uid) !== uid, 120000, `${pod} recreated`);
        await this.healthy();
    }

    /** The render of the current arguments, with the password the deployment has. */
    private renderCurrent(): Promise<KubeObject[]> {
        return this.render({ ...this.args, auth: { password: this.password } });
    }

    /**
     * The deployment's objects for `args`, as `pulumi up` would apply them: the pods' hostAliases
     * name their Services' cluster IPs, so the Services are applied first (Pulumi creates them
     * before the StatefulSet too) and the objects are rendered again with their addresses.
     */
    async render(args: RedisArgs): Promise<KubeObject[]> {
        const first = await renderRedis(this.name, args, { showSecrets: true });
        const password = args.auth?.password ?? (first.find((o) => o.kind === "Secret") as Loose | undefined)?.stringData?.password;
        await this.cluster.apply(first.filter((object) => object.kind === "Service"));
        const clusterIPs: Record<string, string> = {};
        for (const service of await this.cluster.api.list("Service", this.namespace)) {
            clusterIPs[`${this.namespace}/${service.metadata.name}`] = service.spec.clusterIP;
        }
        return renderRedis(this.name, { ...args, auth: { ...args.auth, password } }, { showSecrets: true, clusterIPs });
    }

    volumeDirectory(ordinal: number): string {
        return localVolumePath(this.volumeRoot, this.namespace, this.name, ordinal);
    }

    /** Deletes the namespace and the cluster-scoped objects the deployment created, then the volume directories. */
    async remove(): Promise<void> {
        this.dns?.stop();
        this.recorder.stop();
        try {
            await this.cluster.deleteNamespace(this.namespace);
            for (const pv of await this.cluster.api.list("PersistentVolume")) {
                if (pv.spec?.claimRef?.namespace === this.namespace) {
                    await this.cluster.api.delete("PersistentVolume", undefined, pv.metadata.name);
                }
            }
            for (const storageClass of await this.cluster.api.list("StorageClass")) {
                if (storageClass.metadata.name.startsWith(`${this.namespace}-`)) {
                    await this.cluster.api.delete("StorageClass", undefined, storageClass.metadata.name);
                }
            }
        } finally {
            // Once the pods are gone (see makeNodeDirectory).
            for (const removeDirectory of this.preparedVolumes.values()) {
                removeDirectory();
            }
            this.preparedVolumes.clear();
        }
    }

    /** One container instance's log (the one before its last restart with `previous`), or nothing when there is none. */
    private containerLog(pod: string, container: string, previous: boolean, sinceMs?: number, timestamps = false): string | undefined {
        try {
            return execFileSync(
                this.cluster.kubectl,
                [
                    "--kubeconfig",
                    KUBECONFIG,
                    "-n",
                    this.namespace,
                    "logs",
                    pod,
                    "-c",
                    container,
                    ...(previous ? ["--previous"] : []),
                    ...(sinceMs === undefined ? [] : [`--since-time=${new Date(sinceMs).toISOString()}`]),
                    ...(timestamps ? ["--timestamps"] : []),
                ],
                { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
            );
        } catch {
            return undefined;
        }
    }

    /** What every pod's labeler did since `sinceMs`, each line with its time. */
    labelerLogs(sinceMs: number): string {
        return this.pods()
            .map((pod) => `--- ${pod}/labeler\n${(this.containerLog(pod, "labeler", false, sinceMs, true) ?? "").trim()}`)
            .join("\n");
    }

    /**
     * What the pods logged that `filter` keeps (by default what the role decisions, the handovers,
     * the replication links and the Sentinels did) since 10 s before the last fault case began,
     * from every container instance, those of deleted pods and restarted containers included; each
     * line with its time (for a failure's report).
     */
    logs(filter: Record<string, RegExp> = REPORTED_LINES): string {
        return this.recorder.report(filter, this.faultCaseStartedAt - 10000);
    }

    /** For a failed case: the pods' logs (see logs) and the namespace's Warning events over the same time. */
    async failureReport(): Promise<string> {
        const warnings = await this.cluster.warnings(this.namespace, this.faultCaseStartedAt - 10000).catch((error) => [String(error)]);
        return `${this.logs()}\n--- Warning events\n${warnings.join("\n")}`;
    }

    /**
     * After a failed case: undoes the faults it left in place and brings the deployment back to
     * its first size, so that the next case starts from what it expects, not from this failure.
     */
    async recoverFromFailure(): Promise<void> {
        await this.faults.undoAll().catch((error) => console.log(`recovering: ${(error as Error).message}`));
        if (this.servers !== this.firstServers) {
            await this.update({ replicas: this.firstServers }).catch((error) => console.log(`recovering: ${(error as Error).message}`));
        }
    }

    /**
     * Failover attempts that the Sentinels of the running pods abandoned since `sinceMs` because
     * they were not elected: with two Sentinels left, both may stand at once and split the votes;
     * Sentinel then tries again only after twice the failover timeout.
     */
    abandonedElections(sinceMs: number): number {
        return this.countLogLines("sentinel", "-failover-abort-not-elected", sinceMs);
    }

    /** Times the pods' fences detached a replica from its master since `sinceMs` (scripts/server/fence.sh). */
    fenceDetachments(sinceMs: number): number {
        return this.countLogLines("fence", ": detached from it", sinceMs);
    }

    /** Pod names by the addresses a client reaches them at: their pod IPs and their Services' addresses. */
    private podsByAddress(ips: Record<string, string> = {}): Record<string, string> {
        return Object.fromEntries([
            ...Object.entries(ips).map(([pod, ip]) => [ip, pod]),
            ...this.pods().map((pod) => [this.dns.address(this.hostOf(pod)), pod]),
        ]);
    }

    /** By pod: when its server last acknowledged a write of `writer`. */
    private lastAcknowledgedAt(writer: AckedWriter): Record<string, number> {
        const podAt = this.podsByAddress();
        const last: Record<string, number> = {};
        for (const record of writer.records) {
            const pod = podAt[record.server ?? ""];
            if (record.ok && pod && !(last[pod] >= record.doneAt)) {
                last[pod] = record.doneAt;
            }
        }
        return last;
    }

    /**
     * The times at which a fence of another pod detached its replica from `master` since
     * `sinceMs` (scripts/server/fence.sh), each with its line.
     */
    detachmentsFrom(master: string, sinceMs: number): { at: number; line: string }[] {
        const detached = new RegExp(`^fence: ${this.hostOf(master).replace(/\./g, "\\.")} has not answered .*: detached from it`);
        return this.recorded("fence", detached, sinceMs)
            .filter((line) => line.pod !== master)
            .map((line) => ({ at: line.at, line: `${line.pod}/fence: ${line.text}` }));
    }

    /**
     * The lines of every recorded instance of `container` (deleted pods' too) since `sinceMs` that
     * match `pattern`.
     */
    recordedLines(container: string, pattern: RegExp, sinceMs: number): string[] {
        return this.recorded(container, pattern, sinceMs).map((line) => `${line.pod}: ${line.text}`);
    }

    /** recordedLines, each with its pod and time. */
    private recorded(container: string, pattern: RegExp, sinceMs: number): { pod: string; at: number; text: string }[] {
        return this.pods().flatMap((pod) =>
            this.recorder
                .instances(pod, container, sinceMs)
                .flatMap((instance) => instance.lines)
                .filter((line) => pattern.test(line.text))
                .map((line) => ({ pod, ...line })),
        );
    }

    /** Lines containing `text` (or matching it) that a container of the running pods logged since `sinceMs`, over its restarts. */
    countLogLines(container: string, text: string | RegExp, sinceMs: number): number {
        let count = 0;
        for (const pod of this.pods()) {
            for (const previous of [true, false]) {
                const log = this.containerLog(pod, container, previous, sinceMs) ?? "";
                count += log.split("\n").filter((line) => (typeof text === "string" ? line.includes(text) : text.test(line))).length;
            }
        }
        return count;
    }

    /** Pod IPs by pod name, for the pods that have one. */
    async podIPs(servers = this.servers): Promise<Record<string, string>> {
        const ips: Record<string, string> = {};
        for (const pod of this.pods(servers)) {
            const object = await this.cluster.pod(this.namespace, pod);
            if (object?.status?.podIP && !object.metadata.deletionTimestamp) {
                ips[pod] = object.status.podIP;
            }
        }
        return ips;
    }

    /** The addresses of the ready endpoints of the primary and the read Service. */
    async roleEndpoints(): Promise<{ primary: string[]; read: string[] }> {
        const ready = async (service: string) =>
            (await this.cluster.api.list("EndpointSlice", this.namespace, `kubernetes.io/service-name=${service}`))
                .flatMap((slice) => (slice.endpoints ?? []) as Loose[])
                .filter((endpoint) => endpoint.conditions?.ready !== false)
                .flatMap((endpoint) => endpoint.addresses as string[])
                .sort();
        return { primary: await ready(this.names.primaryService), read: await ready(this.names.readService) };
    }

    /**
     * The deployment is whole: every pod Ready, exactly one master, every other server a replica
     * of it with its link up and its offset caught up, every Sentinel naming that master, the
     * primary Service reaching the master alone and the read Service every replica.
     * Returns the master's pod.
     */
    async healthy(servers = this.servers, timeoutMs = 120000): Promise<string> {
        let last = "";
        try {
            return await waitFor(
                async () => {
                    const ips = await this.podIPs(servers);
                    for (const pod of this.pods(servers)) {
                        const object = await this.cluster.pod(this.namespace, pod);
                        if (!object || !podReady(object) || !ips[pod]) {
                            last = `${pod} not ready`;
                            return undefined;
                        }
                    }
                    const roles = await Promise.all(this.pods(servers).map((pod) => replicationOf(ips[pod], this.password)));
                    const masters = this.pods(servers).filter((_, i) => roles[i].role === "master");
                    if (masters.length !== 1) {
                        last = `masters: ${masters.join(", ") || "none"}`;
                        return undefined;
                    }
                    const master = masters[0];
                    const masterOffset = Number(roles[this.pods(servers).indexOf(master)].master_repl_offset);
                    for (const [i, pod] of this.pods(servers).entries()) {
                        if (pod === master) {
                            continue;
                        }
                        const role = roles[i];
                        if (
                            role.master_host !== this.hostOf(master) ||
                            role.master_link_status !== "up" ||
                            Number(role.slave_repl_offset) < masterOffset
                        ) {
                            last = `${pod}: replica of ${role.master_host} link ${role.master_link_status} offset ${role.slave_repl_offset}/${masterOffset}`;
                            return undefined;
                        }
                    }
                    const named = await Promise.all(this.pods(servers).map((pod) => sentinelMaster(ips[pod], this.password, this.name)));
                    if (named.some((host) => host !== this.hostOf(master))) {
                        const epochs = await Promise.all(
                            this.pods(servers).map((pod) => sentinelConfigEpoch(ips[pod], this.password, this.name)),
                        );
                        last = `the Sentinels of ${this.pods(servers).join(", ")} name ${named.map((host, i) => `${host ? podOf(host) : "nothing"} (config epoch ${epochs[i] ?? "?"})`).join(", ")}`;
                        return undefined;
                    }
                    const endpoints = await this.roleEndpoints();
                    const replicaIPs = this.pods(servers)
                        .filter((pod) => pod !== master)
                        .map((pod) => ips[pod])
                        .sort();
                    if (endpoints.primary.join() !== ips[master] || endpoints.read.join() !== replicaIPs.join()) {
                        const podAt = (ip: string) => Object.keys(ips).find((pod) => ips[pod] === ip) ?? ip;
                        last = `the primary Service reaches ${endpoints.primary.map(podAt).join(", ") || "nothing"}, the read Service ${endpoints.read.map(podAt).join(", ") || "nothing"}`;
                        return undefined;
                    }
                    // Every Sentinel reaches every replica (promotable) and every other Sentinel:
                    // until then, a failover would have fewer candidates or voters.
                    for (const pod of this.pods(servers)) {
                        const view = await sentinelView(ips[pod], this.password, this.name);
                        const good = view.replicas.filter(
                            (r) => r.flags === "slave" && r["slave-priority"] !== "0" && r["master-link-status"] === "ok",
                        );
                        const peers = view.sentinels.filter((r) => r.flags === "sentinel");
                        if (
                            good.length !== servers - 1 ||
                            view.replicas.length !== servers - 1 ||
                            peers.length !== servers - 1 ||
                            view.sentinels.length !== servers - 1
                        ) {
                            last = `the Sentinel of ${pod} sees ${good.length}/${view.replicas.length} good replicas (${view.replicas.map((r) => `${podOf(r.name)} ${r.flags} priority ${r["slave-priority"]}`).join("; ")}) and ${peers.length}/${view.sentinels.length} Sentinels`;
                            return undefined;
                        }
                    }
                    return master;
                },
                timeoutMs,
                "one master, every replica in sync with it, every Sentinel naming it",
                250,
            );
        } catch (error) {
            throw new Error(`${(error as Error).message}; last seen: ${last}`, { cause: error });
        }
    }

    /**
     * Once the writers stopped: waits until every replica has applied all that `master` has (its
     * offset then), since `WAIT 1` is one replica's acknowledgement, not every replica's.
     */
    async replicasCaughtUp(master: string, servers = this.servers, timeoutMs = 60000): Promise<void> {
        const ips = await this.podIPs(servers);
        const masterOffset = Number((await replicationOf(ips[master], this.password)).master_repl_offset);
        let behind: string[] = [];
        try {
            await waitFor(
                async () => {
                    const replicas = this.pods(servers).filter((pod) => pod !== master);
                    const roles = await Promise.all(replicas.map((pod) => replicationOf(ips[pod], this.password)));
                    behind = replicas
                        .map((pod, i) => ({ pod, offset: Number(roles[i].slave_repl_offset ?? 0) }))
                        .filter((replica) => !(replica.offset >= masterOffset))
                        .map((replica) => `${replica.pod} at ${replica.offset}`);
                    return behind.length === 0 ? true : undefined;
                },
                timeoutMs,
                `every replica at the master's offset ${masterOffset}`,
                100,
            );
        } catch (error) {
            throw new Error(`${(error as Error).message}: ${behind.join(", ")}`, { cause: error });
        }
    }

    /** Every key a writer saw acknowledged is on every server (read from each pod directly). */
    async assertAllPresent(writer: AckedWriter, servers = this.servers, faultAt = 0): Promise<void> {
        const acknowledged = writer.acknowledged();
        assert.ok(acknowledged.length > 0, `${writer.prefix}: no write was acknowledged`);
        const ips = await this.podIPs(servers);
        const podAt = this.podsByAddress(ips);
        for (const pod of this.pods(servers)) {
            const redis = directClient(ips[pod], this.password, 6379, false);
            await redis.connect();
            try {
                const missing: number[] = [];
                for (let start = 0; start < acknowledged.length; start += 1000) {
                    const batch = acknowledged.slice(start, start + 1000);
                    const values = await redis.mget(batch.map((index) => `${writer.prefix}:${index}`));
                    values.forEach((value, i) => value === null && missing.push(batch[i]));
                }
                const when = missing
                    .slice(0, 5)
                    .map((index) => writer.records.find((r) => r.index === index))
                    .map(
                        (r) =>
                            `#${r?.index} sent ${(r?.sentAt ?? 0) - faultAt} ms after the fault, acknowledged ${(r?.doneAt ?? 0) - faultAt} ms after by ${podAt[r?.server ?? ""] ?? r?.server}`,
                    );
                assert.deepEqual(
                    missing,
                    [],
                    `${pod} lacks ${missing.length} of ${acknowledged.length} acknowledged ${writer.prefix} writes: ${when.join("; ")}`,
                );
            } finally {
                redis.disconnect();
            }
        }
    }

    /**
     * Runs three writers through `fault` (which returns when it struck): one whose writes WAIT 1
     * acknowledges, one whose writes WAITAOF 1 1 acknowledges (fsynced on the master and on a
     * replica), and a plain one. Waits until the deployment is whole again, checks that every
     * acknowledged write of the first two is on every server (see `FaultOptions` for the one
     * exception), and reports what the clients saw.
     */
    async throughFault(label: string, fault: (master: string) => Promise<number>, options: FaultOptions = {}): Promise<FaultResult> {
        this.faultCaseStartedAt = Date.now();
        const master = await this.healthy();
        const hosts = this.pods().map((pod) => this.hostOf(pod));
        // The WAIT writer gives up on a stuck command after a second, so that the pauses it
        // measures have that resolution; the plain writer keeps the recommended settings. The
        // WAIT and WAITAOF writers do not resend: a WAIT resent alone on a new connection would
        // confirm nothing about the write before it.
        const waitClient = sentinelClient(this.dns, hosts, this.name, this.password, { resend: false, commandTimeoutMs: 1000 });
        const fsyncClient = sentinelClient(this.dns, hosts, this.name, this.password, { resend: false, commandTimeoutMs: 4000 });
        const plainClient = sentinelClient(this.dns, hosts, this.name, this.password);
        const waited = new AckedWriter(waitClient, `${label}:wait`, { kind: "replicas", replicas: 1, timeoutMs: 500 });
        const fsynced = new AckedWriter(fsyncClient, `${label}:waitaof`, {
            kind: "fsynced",
            local: 1,
            replicas: 1,
            timeoutMs: 3000,
            batch: 20,
        });
        const plain = new AckedWriter(plainClient, `${label}:plain`);
        const writers = [waited, fsynced, plain];
        try {
            writers.forEach((writer) => writer.start());
            await waitFor(() => writers.every((writer) => writer.acknowledged().length > 20), 30000, "writes before the fault");
            const faultAt = await fault(master);
            const recovered = await this.healthy();
            try {
                await waitFor(() => waited.records.some((r) => r.ok && r.sentAt > Date.now() - 500), 30000, "writes after recovery");
            } catch (error) {
                const last = waited.records.slice(-3).map((r) => `#${r.index} ${r.ok ? "ok" : r.error} at ${r.doneAt - faultAt} ms`);
                throw new Error(`${(error as Error).message}; the writer's last writes: ${last.join("; ")}`, { cause: error });
            }
            const healthyAt = Date.now();
            await Promise.all(writers.map((writer) => writer.stop()));
            const primary = this.primaryWrites(faultAt, healthyAt);
            await this.replicasCaughtUp(recovered);
            await this.assertAllPresent(fsynced, this.servers, faultAt);
            let lostWaitWrites: number | undefined;
            if (options.everyServerCrashes) {
                lostWaitWrites = await this.missingOnMaster(waited, recovered);
            } else {
                await this.assertAllPresent(waited, this.servers, faultAt);
            }
            const lostPlainWrites = await this.missingOnMaster(plain, recovered);
            // Each case starts from the same small dataset: the writers' keys would otherwise add
            // up over the suite's cases until the servers reach their maxmemory.
            await this.dropKeys(writers, recovered);
            return {
                label,
                masterBefore: master,
                masterAfter: recovered,
                lastWaitAcknowledgedAt: this.lastAcknowledgedAt(waited),
                pauseMs: waited.longestPause(faultAt),
                plainPauseMs: plain.longestPause(faultAt),
                healthyAfterMs: healthyAt - faultAt,
                failedWaitWrites: waited.records.filter((r) => r.error && !r.error.startsWith("WAIT: no replica")).length,
                failedPlainWrites: plain.failed().length,
                acknowledgedWaitWrites: waited.acknowledged().length,
                acknowledgedPlainWrites: plain.acknowledged().length,
                acknowledgedFsyncedWrites: fsynced.acknowledged().length,
                // Plain writes: how many acknowledged ones a failover discarded (reported, not asserted).
                lostPlainWrites,
                lostWaitWrites,
                errors: countErrors([...waited.failed(), ...plain.failed()].map((r) => r.error ?? "")),
                clientRestarts: waited.restarts + plain.restarts,
                abandonedElections: this.abandonedElections(faultAt),
                primaryPauseMs: primary.pauseMs,
                primaryErrors: primary.errors,
            };
        } finally {
            await Promise.all(writers.map((writer) => writer.stop()));
            [waitClient, fsyncClient, plainClient].forEach((client) => client.disconnect());
        }
    }

    /** Deletes every key the writers sent (acknowledged or not) through the master. */
    async dropKeys(writers: AckedWriter[], master: string): Promise<void> {
        const ips = await this.podIPs();
        const redis = directClient(ips[master], this.password, 6379, false);
        await redis.connect();
        try {
            for (const writer of writers) {
                const keys = writer.records.map((record) => `${writer.prefix}:${record.index}`);
                for (let start = 0; start < keys.length; start += 1000) {
                    await redis.unlink(...keys.slice(start, start + 1000));
                }
            }
        } finally {
            redis.disconnect();
        }
    }

    /** How many of a writer's acknowledged writes the master lacks. */
    async missingOnMaster(writer: AckedWriter, master: string): Promise<number> {
        const ips = await this.podIPs();
        const redis = directClient(ips[master], this.password, 6379, false);
        await redis.connect();
        try {
            const acknowledged = writer.acknowledged();
            let missing = 0;
            for (let start = 0; start < acknowledged.length; start += 1000) {
                const batch = acknowledged.slice(start, start + 1000);
                missing += (await redis.mget(batch.map((index) => `${writer.prefix}:${index}`))).filter((value) => value === null).length;
            }
            return missing;
        } finally {
            redis.disconnect();
        }
    }

    /** Moves the master off `node` (the protected node is never faulted) with a planned failover. */
    async masterNotOn(node: string): Promise<string> {
        for (;;) {
            const master = await this.healthy();
            if ((await this.cluster.podNode(this.namespace, master)) !== node) {
                return master;
            }
            const ips = await this.podIPs();
            const sentinel = directClient(ips[master], this.password, 26379, false);
            await sentinel.connect();
            await sentinel.call("SENTINEL", "failover", this.name).finally(() => sentinel.disconnect());
            await waitFor(
                async () => (await sentinelMaster(ips[master], this.password, this.name)) !== this.hostOf(master),
                30000,
                "the planned failover",
            );
        }
    }

    /** Wipes a pod's volume on its node, as a replaced disk: the data, and the Sentinel's state with it. */
    async wipeVolume(pod: string): Promise<void> {
        const ordinal = Number(pod.slice(pod.lastIndexOf("-") + 1));
        const node = this.nodes[ordinal % this.nodes.length];
        inNodeMounts(node, ["find", this.volumeDirectory(ordinal), "-mindepth", "1", "-delete"]);
    }
}
