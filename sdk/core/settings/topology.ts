import { PodAntiAffinity, RedisArgs, RedisMode } from "../../api/args";
import { ArgumentChecker } from "../checks/checker";
import { ChildName, nameBudget, sentinelChildNames, standaloneChildNames } from "../names";
import { DEFAULT_KUBECTL_IMAGE } from "../constants";
import { SENTINEL_KEYS } from "./keys";

/** One Redis server, no replication. */
export interface StandaloneTopology {
    kind: typeof RedisMode.Standalone;
}

/** A master, its replicas and a Sentinel beside each server, which fail over between them. */
export interface SentinelTopology {
    kind: typeof RedisMode.Sentinel;
    /** Redis servers in all: one master and `servers - 1` replicas; one Sentinel in each pod. */
    servers: number;
    /** The name the Sentinels monitor the master under: the component's name. */
    masterName: string;
    downAfterMilliseconds: number;
    failoverTimeoutMilliseconds: number;
    parallelSyncs: number;
    quorum: number;
    minReplicasToWrite: number;
    minReplicasMaxLagSeconds: number;
    podAntiAffinity: PodAntiAffinity;
    /** The image each pod copies kubectl from, for its labeler. */
    kubectlImage: string;
}

/** Redis Cluster: keys sharded over masters, each with replicas. */
export interface ClusterTopology {
    kind: typeof RedisMode.Cluster;
    shards: number;
    replicasPerShard: number;
}

/** The topology, resolved once from `mode`: renderers dispatch on `kind` with an exhaustive switch. */
export type Topology = StandaloneTopology | SentinelTopology | ClusterTopology;

/** For the `default` branch of an exhaustive switch: the compiler proves it cannot be reached. */
export function unreachable(value: never): never {
    throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

/** Resolves `mode` and `replicas` into the topology, and checks the name against its children's limits. */
export function resolveTopology(check: ArgumentChecker, name: string, args: RedisArgs): Topology {
    const mode = check.oneOf("mode", args.mode, RedisMode, RedisMode.Standalone);
    switch (mode) {
        case RedisMode.Standalone: {
            const replicas = check.integer("replicas", args.replicas, 1, 1, 1000);
            if (replicas !== 1) {
                check.fail(
                    "replicas",
                    replicas,
                    "makes no sense in standalone mode (one server, no replication)",
                    "use 1, or leave it unset",
                );
            }
            if (args.sentinel !== undefined) {
                check.fail("sentinel", args.sentinel, 'applies to mode "sentinel" only', 'set mode: "sentinel", or remove it');
            }
            checkNameBudget(check, name, standaloneChildNames(name));
            return { kind: RedisMode.Standalone };
        }
        case RedisMode.Sentinel: {
            const topology = resolveSentinel(check, name, args);
            checkNameBudget(check, name, sentinelChildNames(name, topology.servers - 1));
            return topology;
        }
        case RedisMode.Cluster:
            return check.fail("mode", mode, "is not available in this version", `use "${RedisMode.Standalone}" or "${RedisMode.Sentinel}"`);
        default:
            return unreachable(mode);
    }
}

/** Defaults of the Sentinel topology; see SentinelArgs for what each does. */
export const SENTINEL_DEFAULTS = {
    servers: 3,
    downAfterMilliseconds: 1500,
    failoverTimeoutMilliseconds: 10000,
    minReplicasToWrite: 1,
    minReplicasMaxLagSeconds: 5,
} as const;

function resolveSentinel(check: ArgumentChecker, name: string, args: RedisArgs): SentinelTopology {
    const sentinel = args.sentinel ?? {};
    check.knownKeys("sentinel", sentinel, SENTINEL_KEYS);
    const allowFewer = check.boolean("sentinel.allowFewerThanThreeServers", sentinel.allowFewerThanThreeServers, false);
    const servers = check.integer("replicas", args.replicas, SENTINEL_DEFAULTS.servers, 1, 9);
    if (servers < 3 && !allowFewer) {
        check.fail(
            "replicas",
            servers,
            "leaves no Sentinel majority after the loss of one pod, so no failover could happen",
            "use 3 or more, or set sentinel.allowFewerThanThreeServers to accept it",
        );
    }
    const downAfterMilliseconds = check.integer(
        "sentinel.downAfterMilliseconds",
        sentinel.downAfterMilliseconds,
        SENTINEL_DEFAULTS.downAfterMilliseconds,
        100,
        600_000,
    );
    const failoverTimeoutMilliseconds = check.integer(
        "sentinel.failoverTimeoutMilliseconds",
        sentinel.failoverTimeoutMilliseconds,
        SENTINEL_DEFAULTS.failoverTimeoutMilliseconds,
        1000,
        3_600_000,
    );
    const majority = Math.floor(servers / 2) + 1;
    return {
        kind: RedisMode.Sentinel,
        servers,
        masterName: name,
        downAfterMilliseconds,
        failoverTimeoutMilliseconds,
        // Every replica at once by default: see SentinelArgs.parallelSyncs.
        parallelSyncs: check.integer("sentinel.parallelSyncs", sentinel.parallelSyncs, Math.max(1, servers - 1), 1, 8),
        quorum: check.integer("sentinel.quorum", sentinel.quorum, majority, 1, servers),
        minReplicasToWrite: check.integer(
            "sentinel.minReplicasToWrite",
            sentinel.minReplicasToWrite,
            Math.min(SENTINEL_DEFAULTS.minReplicasToWrite, servers - 1),
            0,
            servers - 1,
        ),
        minReplicasMaxLagSeconds: check.integer(
            "sentinel.minReplicasMaxLagSeconds",
            sentinel.minReplicasMaxLagSeconds,
            SENTINEL_DEFAULTS.minReplicasMaxLagSeconds,
            1,
            3600,
        ),
        podAntiAffinity: check.oneOf("podAntiAffinity", args.podAntiAffinity, PodAntiAffinity, PodAntiAffinity.Soft),
        kubectlImage:
            sentinel.kubectlImage === undefined ? DEFAULT_KUBECTL_IMAGE : check.image("sentinel.kubectlImage", sentinel.kubectlImage),
    };
}

/** How many servers a topology runs: the StatefulSet's replicas. */
export function serverCount(topology: Topology): number {
    switch (topology.kind) {
        case RedisMode.Standalone:
            return 1;
        case RedisMode.Sentinel:
            return topology.servers;
        case RedisMode.Cluster:
            return topology.shards * (1 + topology.replicasPerShard);
        default:
            return unreachable(topology);
    }
}

/** Every child's name must fit its Kubernetes limit; the error names the child that decides. */
function checkNameBudget(check: ArgumentChecker, name: string, children: ChildName[]): void {
    const budget = nameBudget(name, children);
    if (name.length > budget.max) {
        check.fail(
            "name",
            name,
            `is ${name.length} characters long, and ${budget.decidedBy.what} ("${budget.decidedBy.name}") would exceed its ${budget.decidedBy.limit}-character limit`,
            `use at most ${budget.max} characters`,
        );
    }
}
