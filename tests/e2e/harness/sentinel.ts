import { Resolver } from "dns/promises";
import Redis from "ioredis";

/** The cluster DNS Service (tools/cluster/README.md), reached from the host through node 1. */
export const CLUSTER_DNS = "10.96.0.10";
const SENTINEL_PORT = 26379;

/**
 * Names of the cluster resolved as a pod resolves them: through CoreDNS, with its cache. The host
 * cannot resolve cluster names itself, so the Sentinel clients map every host name a Sentinel
 * gives them (`natMap`) through this table, refreshed every `intervalMs`. A name that does not
 * resolve keeps its last address, as a client's own cache would.
 */
export class ClusterDns {
    private readonly resolver = new Resolver({ timeout: 1000, tries: 1 });
    private readonly addresses = new Map<string, string>();
    private readonly listeners = new Set<() => void>();
    private timer?: NodeJS.Timeout;

    private readonly names: Set<string>;

    constructor(names: string[]) {
        this.names = new Set(names);
        this.resolver.setServers([CLUSTER_DNS]);
    }

    /** Resolves `name` too from the next refresh on. */
    watch(name: string): void {
        this.names.add(name);
    }

    /** Whether `name` is resolved at each refresh. */
    watches(name: string): boolean {
        return this.names.has(name);
    }

    async start(intervalMs = 200): Promise<void> {
        await this.refresh();
        const loop = () => {
            void this.refresh().finally(() => {
                if (this.timer) {
                    this.timer = setTimeout(loop, intervalMs);
                }
            });
        };
        this.timer = setTimeout(loop, intervalMs);
    }

    stop(): void {
        clearTimeout(this.timer);
        this.timer = undefined;
    }

    /** Calls `listener` after every refresh; returns the function that stops it. */
    onRefresh(listener: () => void): () => void {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
    }

    async refresh(): Promise<void> {
        await Promise.all(
            [...this.names].map(async (name) => {
                try {
                    const [address] = await this.resolver.resolve4(name);
                    if (address) {
                        this.addresses.set(name, address);
                    }
                } catch {
                    // NXDOMAIN (a pod being recreated) or no answer: keep the last address.
                }
            }),
        );
        this.listeners.forEach((listener) => listener());
    }

    /** The address of a name, or the name itself when it never resolved. */
    address(name: string): string {
        return this.addresses.get(name) ?? name;
    }
}

/**
 * A Sentinel-aware ioredis client configured as README recommends, reaching the cluster through
 * `dns`. `resend: false` is for a client that confirms writes with WAIT: a command resent after
 * a reconnection would run WAIT on another connection, even another server, where it confirms
 * nothing.
 */
export function sentinelClient(
    dns: ClusterDns,
    sentinelHosts: string[],
    masterName: string,
    password: string,
    options: { resend?: boolean; commandTimeoutMs?: number } = {},
): Redis {
    // An in-cluster client would list the Sentinels by name and resolve them at each connection;
    // from the host, the list's addresses follow the names through `dns` (ioredis keeps the
    // objects of the list it was given).
    const sentinels = sentinelHosts.map((host) => ({ host: dns.address(host), port: SENTINEL_PORT }));
    const stopFollowing = dns.onRefresh(() => sentinelHosts.forEach((host, i) => (sentinels[i].host = dns.address(host))));
    const redis = new Redis({
        name: masterName,
        sentinels,
        sentinelPassword: password,
        password,
        natMap: (key: string) => {
            const separator = key.lastIndexOf(":");
            return { host: dns.address(key.slice(0, separator)), port: Number(key.slice(separator + 1)) };
        },
        // The Sentinel-aware settings README documents: follow +switch-master, resend a command
        // that hit a demoted master, keep commands queued while reconnecting.
        failoverDetector: true,
        reconnectOnError: (error) => (/^READONLY/.test(error.message) ? 2 : false),
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        retryStrategy: () => 100,
        sentinelRetryStrategy: () => 100,
        connectTimeout: 1000,
        sentinelCommandTimeout: 1000,
        // Longer than a planned handover's pause (writes wait, then go to the new master); a
        // shorter one measures finer but fails the writes a handover holds back.
        commandTimeout: options.commandTimeoutMs ?? 3000,
        enableAutoPipelining: false,
        autoResendUnfulfilledCommands: options.resend ?? true,
    });
    redis.on("error", () => undefined);
    redis.on("end", stopFollowing);
    return redis;
}

/** What one writer saw: every write it sent, when it completed, and how. */
export interface WriteRecord {
    index: number;
    sentAt: number;
    doneAt: number;
    ok: boolean;
    error?: string;
    /** The address of the server the client was connected to when the write completed. */
    server?: string;
}

/**
 * When a writer counts a write as acknowledged:
 * - `master`: the master's OK alone;
 * - `replicas`: `WAIT <replicas> <timeoutMs>` confirms that so many replicas received it;
 * - `fsynced`: `WAITAOF <local> <replicas> <timeoutMs>` confirms that it is fsynced to the
 *   append-only file of the master (`local` 1) and of so many replicas. With `appendfsync
 *   everysec` that takes up to about a second, so each round sends `batch` writes before its
 *   WAITAOF, which confirms them all.
 */
export type Acknowledgement =
    | { kind: "master" }
    | { kind: "replicas"; replicas: number; timeoutMs: number }
    | { kind: "fsynced"; local: number; replicas: number; timeoutMs: number; batch: number };

/**
 * A client that writes `<prefix>:<n>` = n in a loop through a Sentinel-aware client and records
 * every write it sent and whether it was acknowledged (see `Acknowledgement`).
 */
export class AckedWriter {
    readonly records: WriteRecord[] = [];
    /** Times the client had given up (ioredis status "end") and was connected again. */
    restarts = 0;
    private stopped = false;
    private loop?: Promise<void>;
    private next = 0;

    constructor(
        private readonly redis: Redis,
        readonly prefix: string,
        private readonly acknowledgement: Acknowledgement = { kind: "master" },
    ) {}

    start(): void {
        this.loop = (async () => {
            while (!this.stopped) {
                const batch = this.acknowledgement.kind === "fsynced" ? this.acknowledgement.batch : 1;
                const indexes = Array.from({ length: batch }, () => this.next++);
                const sentAt = Date.now();
                try {
                    const refusal = await this.writeRound(indexes);
                    const doneAt = Date.now();
                    const server = this.redis.stream?.remoteAddress;
                    for (const index of indexes) {
                        this.records.push({ index, sentAt, doneAt, ok: !refusal, server, ...(refusal ? { error: refusal } : {}) });
                    }
                } catch (error) {
                    const server = this.redis.stream?.remoteAddress ?? "no connection";
                    const doneAt = Date.now();
                    for (const index of indexes) {
                        this.records.push({
                            index,
                            sentAt,
                            doneAt,
                            ok: false,
                            error: `${(error as Error).message} (${server}, ${this.redis.status})`,
                        });
                    }
                    if (this.redis.status === "end") {
                        // ioredis without resending can end its connection for good while the
                        // Sentinels switch masters; an application would connect again, as here.
                        this.restarts++;
                        this.redis.connect().catch(() => undefined);
                    }
                    await new Promise((resolve) => setTimeout(resolve, 20));
                }
            }
        })();
    }

    /**
     * Sends one round of writes and the command that confirms them, in one pipeline (so that they
     * reach the same connection, in order). Resolves to why they are not acknowledged, if so.
     */
    private async writeRound(indexes: number[]): Promise<string | undefined> {
        const ack = this.acknowledgement;
        if (ack.kind === "master") {
            await this.redis.set(`${this.prefix}:${indexes[0]}`, String(indexes[0]));
            return undefined;
        }
        const pipeline = this.redis.pipeline();
        indexes.forEach((index) => pipeline.set(`${this.prefix}:${index}`, String(index)));
        if (ack.kind === "replicas") {
            pipeline.wait(ack.replicas, ack.timeoutMs);
        } else {
            pipeline.call("WAITAOF", ack.local, ack.replicas, ack.timeoutMs);
        }
        const results = await pipeline.exec();
        const failure = results?.find(([error]) => error);
        if (!results || failure) {
            throw failure?.[0] ?? new Error("pipeline discarded");
        }
        const confirmed = results[results.length - 1][1];
        if (ack.kind === "replicas") {
            return (confirmed as number) >= ack.replicas ? undefined : "WAIT: no replica";
        }
        const [local, replicas] = confirmed as [number, number];
        return local >= ack.local && replicas >= ack.replicas ? undefined : `WAITAOF: fsynced locally ${local}, on ${replicas} replicas`;
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.loop;
    }

    acknowledged(): number[] {
        return this.records.filter((record) => record.ok).map((record) => record.index);
    }

    failed(): WriteRecord[] {
        return this.records.filter((record) => !record.ok);
    }

    /** The longest time between two acknowledged writes completing, in ms, from `since` on. */
    longestPause(since = 0): number {
        const done = this.records.filter((record) => record.ok && record.doneAt >= since).map((record) => record.doneAt);
        let longest = 0;
        let previous = since || done[0];
        for (const at of done) {
            longest = Math.max(longest, at - previous);
            previous = at;
        }
        return longest;
    }

    /** When the first write acknowledged after `since` completed, in ms after `since`. */
    firstAcknowledgedAfter(since: number): number | undefined {
        const record = this.records.find((r) => r.ok && r.sentAt >= since);
        return record ? record.doneAt - since : undefined;
    }
}
