import type * as pulumi from "@pulumi/pulumi";

/** How Redis is deployed. */
export const RedisMode = {
    /** One Redis server in a StatefulSet of one pod. */
    Standalone: "standalone",
    /**
     * A master, its replicas and a Sentinel beside each of them, which fail over to a replica
     * when the master is lost and hand the master over before a planned restart.
     */
    Sentinel: "sentinel",
    /** Redis Cluster: keys sharded over several masters, each with replicas. Not available yet. */
    Cluster: "cluster",
} as const;
export type RedisMode = (typeof RedisMode)[keyof typeof RedisMode];

/** How strictly the pods of one deployment are kept on different nodes. */
export const PodAntiAffinity = {
    /** Preferred: the scheduler spreads the pods, and still places them when it cannot. */
    Soft: "soft",
    /** Required: a pod stays Pending rather than share a node with another of the deployment. */
    Hard: "hard",
} as const;
export type PodAntiAffinity = (typeof PodAntiAffinity)[keyof typeof PodAntiAffinity];

/** The server engine: Redis, or Valkey, its BSD-licensed fork. */
export const Engine = {
    /** Redis Open Source (8.x: AGPLv3, RSALv2 or SSPLv1, at the user's choice). */
    Redis: "redis",
    /** Valkey, the Linux Foundation's fork of Redis 7.2 (BSD-3-Clause). */
    Valkey: "valkey",
} as const;
export type Engine = (typeof Engine)[keyof typeof Engine];

/** A cloud preset: storage class and internal load balancer defaults for one kind of cluster. */
export const CloudPreset = {
    /** kind or minikube: storage class `standard`; local volumes can be declared statically. */
    Local: "local",
    /** EKS: storage class `gp2` (the one EKS creates), internal NLB annotations. */
    Aws: "aws",
    /** GKE: storage class `standard-rwo` (pd-balanced), internal passthrough load balancer annotation. */
    Gcp: "gcp",
    /** AKS: storage class `managed-csi`, internal load balancer annotation. */
    Azure: "azure",
} as const;
export type CloudPreset = (typeof CloudPreset)[keyof typeof CloudPreset];

/** How the client Service is exposed. */
export const ServiceType = {
    /** Reachable inside the cluster only. */
    ClusterIP: "ClusterIP",
    /** A cloud load balancer; internal to the VPC/VNet unless `service.internal` is false. */
    LoadBalancer: "LoadBalancer",
} as const;
export type ServiceType = (typeof ServiceType)[keyof typeof ServiceType];

/** How often the append-only file is fsynced (Redis `appendfsync`). */
export const AppendFsync = {
    /** After every write: safest, slowest. */
    Always: "always",
    /** Once a second: loses at most about one second of writes on a crash. */
    EverySec: "everysec",
    /** Left to the operating system. */
    No: "no",
} as const;
export type AppendFsync = (typeof AppendFsync)[keyof typeof AppendFsync];

/** What happens to a pod's PersistentVolumeClaim when the StatefulSet is deleted or scaled down. */
export const VolumeRetention = {
    /** The claim and its data are kept. */
    Retain: "Retain",
    /** The claim is deleted, and with it the data when the volume's reclaim policy is Delete. */
    Delete: "Delete",
} as const;
export type VolumeRetention = (typeof VolumeRetention)[keyof typeof VolumeRetention];

/** Statically declared `local` PersistentVolumes, for clusters without a dynamic provisioner. */
export interface LocalVolumesArgs {
    /**
     * Absolute directory on the node under which each pod's volume lives, as
     * `<path>/<namespace>-<name>-<ordinal>`. The directory must exist on the node before the pod
     * starts (Kubernetes does not create `local` volume paths). Required.
     */
    path: string;
    /**
     * Nodes that hold the volumes: ordinal `i` is bound to `nodeNames[i % nodeNames.length]`
     * through the node affinity that `local` volumes require. Required, at least one.
     */
    nodeNames: string[];
}

/** Data persistence: the volume and Redis' AOF/RDB settings. */
export interface PersistenceArgs {
    /**
     * Keep data on a PersistentVolumeClaim. When false, `/data` is an emptyDir, AOF and RDB are
     * off and the default eviction policy becomes `allkeys-lru`: a cache whose data is lost when
     * the pod is recreated. Defaults to true.
     */
    enabled?: boolean;
    /** Size of each pod's volume, as a Kubernetes quantity. Defaults to "8Gi". */
    size?: string;
    /**
     * StorageClass of the claims. Defaults to the class the cloud preset's clusters are created
     * with (local: "standard", aws: "gp2", gcp: "standard-rwo", azure: "managed-csi"), or the
     * created class with `createStorageClass` or `localVolumes` (`<namespace>-<name>-data`), or the
     * cluster's default class when there is no preset. A change applies to claims created later:
     * existing claims keep their class (moving data to another class is a migration).
     */
    storageClassName?: string;
    /**
     * Create a StorageClass for this deployment's volumes, named `<namespace>-<name>-data`: the
     * cloud preset's recommended disk (aws: EBS gp3, encrypted; gcp: pd-balanced; azure:
     * StandardSSD_LRS), expandable, bound when the pod is scheduled, reclaim policy Retain.
     * Needs `cloud` aws, gcp or azure. Defaults to false.
     */
    createStorageClass?: boolean;
    /** Write an append-only file (Redis `appendonly`). Defaults to true. */
    aof?: boolean;
    /** How often the append-only file is fsynced. Defaults to "everysec". */
    appendfsync?: AppendFsync;
    /** Write RDB snapshots (Redis `save`). Defaults to true. */
    rdb?: boolean;
    /**
     * RDB save points, as Redis writes them: pairs of "<seconds> <changes>". Defaults to
     * "3600 1 300 100 60 10000".
     */
    rdbSavePoints?: string;
    /** What happens to the claims when the StatefulSet is deleted. Defaults to "Retain". */
    whenDeleted?: VolumeRetention;
    /** What happens to the claims of pods removed by a scale-down. Defaults to "Retain". */
    whenScaled?: VolumeRetention;
    /**
     * Declare one `local` PersistentVolume per pod, pre-bound to that pod's claim, with reclaim
     * policy Retain. Defaults to none (volumes come from the StorageClass' provisioner).
     */
    localVolumes?: LocalVolumesArgs;
}

/** CPU and memory quantities. */
export interface ResourceListArgs {
    /** CPU, as a Kubernetes quantity ("250m", "1"). */
    cpu?: string;
    /**
     * Memory, as a Kubernetes quantity of whole bytes ("1Gi", "1536Mi", "1e9"). A fraction of a
     * byte is refused: "200m" is 0.2 bytes (milli), not 200 MiB.
     */
    memory?: string;
}

/**
 * The Redis container's resource requests and limits. Each field defaults on its own: giving
 * one never drops the default of another.
 */
export interface ResourcesArgs {
    /**
     * Requests, defaulted field by field. Defaults to cpu "250m" (or the CPU limit, when that
     * is lower) and memory "1Gi" (or the memory limit, when only that is given).
     */
    requests?: ResourceListArgs;
    /**
     * Limits. Defaults to a memory limit equal to the memory request (at least 32Mi) and no CPU
     * limit, because CFS throttling stalls Redis' single thread and fails its probes.
     */
    limits?: ResourceListArgs;
}

/**
 * How much memory Redis may use for data (`maxmemory`), and the headroom kept below the
 * container's memory limit: at least 30% of the limit with persistence on (the copy-on-write
 * pages of the fork that writes RDB snapshots and rewrites the AOF, client buffers, allocator
 * fragmentation), 15% with persistence off. An explicit value that keeps less is refused; the
 * error names the largest value allowed and the memory limit that would allow the one asked.
 * Client buffers are bounded inside the headroom by `maxmemory-clients`: a quarter of the
 * headroom, rounded down to whole MiB (at least 1Mi), unless `config["maxmemory-clients"]` sets
 * it (bytes such as "64mb" or a share of maxmemory such as "5%"; not 0, at least 1mb).
 */
export interface MemoryArgs {
    /**
     * Explicit `maxmemory`, as a Kubernetes quantity of whole bytes, at least "1Mi" ("700Mi",
     * "1e9"; "200m" is 0.2 bytes and is refused). It must keep the headroom above: at most 70% of
     * the memory limit with persistence, 85% without. Defaults to `maxmemoryPercent` of the
     * memory limit.
     */
    maxmemory?: string;
    /**
     * Share of the container's memory limit given to `maxmemory`, in percent: 10 to 70 with
     * persistence on, 10 to 85 with persistence off (the rest is the headroom). Rounded down to
     * whole MiB. Defaults to 70 with persistence on, 85 with persistence off.
     */
    maxmemoryPercent?: number;
}

/** A Kubernetes Secret, created outside this component, that holds the password. */
export interface ExistingSecretArgs {
    /** Name of the Secret, in the component's namespace. Required. */
    name: string;
    /** Key of the password in the Secret. Defaults to "password". */
    key?: string;
}

/** The AUTH password. Redis always requires one. */
export interface AuthArgs {
    /**
     * The password. Defaults to a 40-character alphanumeric password from `random.RandomPassword`,
     * generated once and kept in the stack's state, so it stays the same across updates.
     */
    password?: pulumi.Input<string>;
    /**
     * Use a password from an existing Secret instead of creating one. Cannot be combined with
     * `password`. Defaults to none.
     */
    existingSecret?: ExistingSecretArgs;
}

/** The client Service. */
export interface ServiceArgs {
    /** Service type. Defaults to "ClusterIP". */
    type?: ServiceType;
    /**
     * With type LoadBalancer: add the cloud preset's annotations that make the load balancer
     * internal. Defaults to true.
     */
    internal?: boolean;
    /** Extra annotations on the client Service. Defaults to none. */
    annotations?: { [key: string]: string };
    /** With type LoadBalancer: the CIDRs allowed to connect. Defaults to none (no restriction). */
    loadBalancerSourceRanges?: string[];
}

/** Failover, with `mode: "sentinel"`. Every timer is in milliseconds. */
export interface SentinelArgs {
    /**
     * Milliseconds without a valid reply after which a Sentinel considers a server down; the
     * master is failed over once `quorum` Sentinels agree. Lower fails over sooner; a command that
     * blocks the server for longer than this (a large KEYS, DEBUG SLEEP, a slow Lua script)
     * triggers a failover. Defaults to 1500. The fence detaches replicas from a master silent for
     * 1000 ms, or half of this when that is longer; below 1500, 500 ms short of this and at least
     * half of it, so that it acts on shorter stalls of a healthy master.
     */
    downAfterMilliseconds?: number;
    /**
     * Sentinel's `failover-timeout`: how long a failover may take before another Sentinel may retry
     * it, and the pause before the same master is failed over again. Defaults to 10000.
     */
    failoverTimeoutMilliseconds?: number;
    /**
     * Sentinel's `parallel-syncs`: how many replicas the Sentinel that led a failover points at the
     * new master at the same time. Defaults to every replica (`replicas` less one). With 1,
     * Sentinel's own default, the replicas follow one at a time, each after the one before has
     * synchronised; a replica that is restarting or stopping holds the others back for up to the
     * failover timeout, and until one follows, the new master refuses writes
     * (`minReplicasToWrite`).
     */
    parallelSyncs?: number;
    /**
     * Sentinels that must agree that the master is down to start a failover; a failover also needs
     * a majority of all Sentinels to elect its leader. Defaults to a majority of the servers.
     */
    quorum?: number;
    /**
     * The master refuses writes unless at least this many replicas acknowledged the replication
     * stream within `minReplicasMaxLagSeconds`: a master cut off from its replicas stops taking
     * writes that a failover would discard. 0 turns the check off. Defaults to 1.
     */
    minReplicasToWrite?: number;
    /** See `minReplicasToWrite`. Defaults to 5. */
    minReplicasMaxLagSeconds?: number;
    /**
     * Allow fewer than three servers. With two, losing either leaves no Sentinel majority, so no
     * failover happens; with one there is nothing to fail over to. Defaults to false.
     */
    allowFewerThanThreeServers?: boolean;
    /**
     * An image holding kubectl as `/bin/kubectl` and `cp`, pinned by tag or digest. Each pod
     * copies kubectl from it at start; the pod's labeler runs it to keep the pod's role label
     * current, which the primary and read Services select on. Defaults to
     * "registry.k8s.io/kubectl:v1.34.1".
     */
    kubectlImage?: string;
}

/** Arguments of a Redis deployment. Every field is optional; the defaults are production-safe. */
export interface RedisArgs {
    /** Topology: "standalone" or "sentinel". Defaults to "standalone". */
    mode?: RedisMode;
    /**
     * Number of Redis pods. Defaults to 1 in mode standalone (its only value) and to 3 in mode
     * sentinel: the master and its replicas, each pod with its Sentinel, at least 3 unless
     * `sentinel.allowFewerThanThreeServers`.
     */
    replicas?: number;
    /** Failover settings, with mode "sentinel". Defaults to the defaults of each field. */
    sentinel?: SentinelArgs;
    /**
     * With more than one pod: keep them on different nodes, "soft" (preferred) or "hard"
     * (required). The pods are also spread over zones when the nodes carry zone labels.
     * Defaults to "soft".
     */
    podAntiAffinity?: PodAntiAffinity;
    /** Namespace of every namespaced object. Defaults to "default". */
    namespace?: string;
    /**
     * Create the namespace, labelled for the "restricted" Pod Security Standard. Defaults to false
     * (the namespace must exist).
     */
    createNamespace?: boolean;
    /**
     * The server engine: "redis" or "valkey". It decides the default image, the binaries the pod
     * runs (redis-server and redis-cli, or valkey-server and valkey-cli) and the directive table
     * `config` is checked against. Defaults to the engine an explicit `image` names
     * (".../valkey:8.1.1" is valkey), else "redis".
     */
    engine?: Engine;
    /**
     * Container image, pinned by tag or digest (never `latest`). When its tag names an engine and
     * version (".../redis:7.0.15-bookworm"), that version's directive table is used, and an image
     * of the other engine than `engine` is refused; otherwise the default version of the engine
     * is assumed. Redis 7.0 and later, Valkey 7.2 and later. Defaults to
     * "docker.io/library/redis:8.0.2-bookworm" for redis, "docker.io/valkey/valkey:8.1.1-bookworm"
     * for valkey.
     */
    image?: string;
    /** Cloud preset for storage class and load balancer defaults. Defaults to none. */
    cloud?: CloudPreset;
    /** Persistence. Defaults to a durable store: an 8Gi volume with AOF (fsync every second) and RDB. */
    persistence?: PersistenceArgs;
    /** Container resources. Defaults to requests cpu "250m", memory "1Gi"; limit memory "1Gi". */
    resources?: ResourcesArgs;
    /** Memory limit for data. Defaults to 70% of the memory limit (85% without persistence). */
    memory?: MemoryArgs;
    /** AUTH password. Defaults to a generated one. */
    auth?: AuthArgs;
    /**
     * Extra redis.conf directives, directive name to value (`{"maxmemory-policy": "allkeys-lru"}`).
     * Each name is checked against the directive table of the image's engine and version
     * (generated from the real binary): a typo is refused with the closest known name.
     * Directives this component manages (port, auth, persistence, memory, ...) are rejected with
     * the argument to use instead; directives that would break the pod's probes and shutdown
     * (`rename-command`) or load code (`loadmodule`, `enable-*-command yes`) are refused. Values
     * that may hold a secret are never printed in an error. Defaults to none.
     */
    config?: { [directive: string]: string };
    /** The client Service. Defaults to a ClusterIP Service. */
    service?: ServiceArgs;
    /** Extra labels on the pods. Defaults to none. */
    podLabels?: { [key: string]: string };
    /** Extra annotations on the pods. Defaults to none. */
    podAnnotations?: { [key: string]: string };
    /** Node selector of the pods. Defaults to none. */
    nodeSelector?: { [key: string]: string };
    /** PriorityClass of the pods. Defaults to none. */
    priorityClassName?: string;
    /**
     * Seconds a pod gets to shut down between SIGTERM, on which Redis fsyncs the append-only
     * file, writes its final snapshot and exits, and SIGKILL. Defaults to 60.
     */
    terminationGracePeriodSeconds?: number;
}
