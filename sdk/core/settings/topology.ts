import { RedisArgs, RedisMode } from "../../api/args";
import { ArgumentChecker } from "../checks/checker";
import { ChildName, nameBudget, standaloneChildNames } from "../names";

/** One Redis server, no replication. */
export interface StandaloneTopology {
    kind: typeof RedisMode.Standalone;
}

/** A master, its replicas and a Sentinel quorum that fails over between them. */
export interface SentinelTopology {
    kind: typeof RedisMode.Sentinel;
    /** Redis servers in all: one master and `servers - 1` replicas. */
    servers: number;
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
            checkNameBudget(check, name, standaloneChildNames(name));
            return { kind: RedisMode.Standalone };
        }
        case RedisMode.Sentinel:
        case RedisMode.Cluster:
            return check.fail("mode", mode, "is not available in this version", `use "${RedisMode.Standalone}"`);
        default:
            return unreachable(mode);
    }
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
