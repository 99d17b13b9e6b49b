import { strict as assert } from "assert";
import { RedisArgs } from "../../sdk/api/args";
import { RedisArgumentError } from "../../sdk/api/errors";
import { DEFAULTS, resolveSettings } from "../../sdk/core/settings";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

describe("settings: defaults", () => {
    it("makes the two-line call a durable, memory-safe standalone Redis", () => {
        const settings = resolveSettings("cache", {});
        assert.deepEqual(settings.topology, { kind: "standalone" });
        assert.equal(settings.namespace, "default");
        assert.equal(settings.image, "docker.io/library/redis:8.0.2-bookworm");
        assert.deepEqual(settings.engine, {
            target: { engine: "redis", version: "8.0.2" },
            versionFromImage: true,
            serverBinary: "redis-server",
            cliBinary: "redis-cli",
        });
        assert.deepEqual(settings.resources, { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: undefined, memory: "1Gi" } });
        assert.equal(settings.memory.limitBytes, GiB);
        assert.equal(settings.memory.maxmemoryBytes, Math.floor((GiB * DEFAULTS.maxmemoryPercentDurable) / 100 / MiB) * MiB);
        assert.equal(settings.persistence.enabled, true);
        assert.equal(settings.persistence.aof, true);
        assert.equal(settings.persistence.appendfsync, "everysec");
        assert.equal(settings.persistence.rdb, true);
        assert.equal(settings.persistence.size, "8Gi");
        assert.equal(settings.persistence.whenDeleted, "Retain");
        assert.equal(settings.persistence.whenScaled, "Retain");
        assert.equal(settings.persistence.storageClassName, undefined, "no preset: the cluster's default class");
        assert.equal(settings.config["maxmemory-policy"], "noeviction");
        assert.equal(settings.auth.source, "generated");
        assert.equal(settings.auth.secretName, "cache-auth");
        assert.equal(settings.service.type, "ClusterIP");
    });

    it("turns into a cache with persistence off: more memory for data, LRU eviction, no AOF/RDB", () => {
        const settings = resolveSettings("cache", { persistence: { enabled: false } });
        assert.equal(settings.persistence.aof, false);
        assert.equal(settings.persistence.rdb, false);
        assert.equal(settings.memory.maxmemoryBytes, Math.floor((GiB * DEFAULTS.maxmemoryPercentCache) / 100 / MiB) * MiB);
        assert.equal(settings.config["maxmemory-policy"], "allkeys-lru");
    });

    it("resolves the engine and the image once: defaults, an explicit image, the engine an image names", () => {
        const cases: {
            args: RedisArgs;
            image: string;
            engine: string;
            version: string;
            fromImage: boolean;
            server: string;
            cli: string;
        }[] = [
            {
                args: {},
                image: "docker.io/library/redis:8.0.2-bookworm",
                engine: "redis",
                version: "8.0.2",
                fromImage: true,
                server: "redis-server",
                cli: "redis-cli",
            },
            {
                args: { engine: "redis" },
                image: "docker.io/library/redis:8.0.2-bookworm",
                engine: "redis",
                version: "8.0.2",
                fromImage: true,
                server: "redis-server",
                cli: "redis-cli",
            },
            {
                args: { engine: "valkey" },
                image: "docker.io/valkey/valkey:8.1.1-bookworm",
                engine: "valkey",
                version: "8.1.1",
                fromImage: true,
                server: "valkey-server",
                cli: "valkey-cli",
            },
            // Redis 7.x stays supported through image, checked against the 7.0 table.
            {
                args: { image: "docker.io/library/redis:7.0.15-bookworm" },
                image: "docker.io/library/redis:7.0.15-bookworm",
                engine: "redis",
                version: "7.0.15",
                fromImage: true,
                server: "redis-server",
                cli: "redis-cli",
            },
            {
                args: { image: "redis:7.2.4", engine: "redis" },
                image: "redis:7.2.4",
                engine: "redis",
                version: "7.2.4",
                fromImage: true,
                server: "redis-server",
                cli: "redis-cli",
            },
            // The engine an image names is the default engine.
            {
                args: { image: "localhost/kubernetes-redis/valkey:8.1.1-trixie" },
                image: "localhost/kubernetes-redis/valkey:8.1.1-trixie",
                engine: "valkey",
                version: "8.1.1",
                fromImage: true,
                server: "valkey-server",
                cli: "valkey-cli",
            },
            // A tag that names no version: the engine's default version is assumed.
            {
                args: { engine: "valkey", image: "registry.example.com/cache@sha256:" + "a".repeat(64) },
                image: "registry.example.com/cache@sha256:" + "a".repeat(64),
                engine: "valkey",
                version: "8.1.1",
                fromImage: false,
                server: "valkey-server",
                cli: "valkey-cli",
            },
            {
                args: { image: "registry.example.com/cache:2026-01" },
                image: "registry.example.com/cache:2026-01",
                engine: "redis",
                version: "8.0.2",
                fromImage: false,
                server: "redis-server",
                cli: "redis-cli",
            },
        ];
        for (const c of cases) {
            const settings = resolveSettings("c", c.args);
            assert.deepEqual(
                { image: settings.image, ...settings.engine },
                {
                    image: c.image,
                    target: { engine: c.engine, version: c.version },
                    versionFromImage: c.fromImage,
                    serverBinary: c.server,
                    cliBinary: c.cli,
                },
                JSON.stringify(c.args),
            );
        }
    });

    it("checks config against the table of the engine and version in use", () => {
        // active-defrag-cycle-us is Valkey's; set-max-listpack-entries is Redis 7.2's and later.
        assert.equal(
            resolveSettings("c", { engine: "valkey", config: { "active-defrag-cycle-us": "500" } }).config["active-defrag-cycle-us"],
            "500",
        );
        assert.throws(() => resolveSettings("c", { config: { "active-defrag-cycle-us": "500" } }), /is not a directive of redis 8\.0/);
        assert.equal(resolveSettings("c", { config: { "set-max-listpack-entries": "64" } }).config["set-max-listpack-entries"], "64");
        assert.throws(
            () => resolveSettings("c", { image: "redis:7.0.15", config: { "set-max-listpack-entries": "64" } }),
            /is not a directive of redis 7\.0/,
        );
        assert.throws(
            () => resolveSettings("c", { engine: "valkey", config: { "dynamic-hz": "yes" } }),
            /is not a directive of valkey 8\.1/,
        );
    });

    it("derives maxmemory from the limit, or takes an explicit one below it", () => {
        assert.equal(
            resolveSettings("c", { resources: { limits: { memory: "2Gi" } } }).memory.maxmemoryBytes,
            Math.floor((2 * GiB * 0.7) / MiB) * MiB,
        );
        assert.equal(resolveSettings("c", { memory: { maxmemoryPercent: 50 } }).memory.maxmemoryBytes, 512 * MiB);
        assert.equal(resolveSettings("c", { memory: { maxmemory: "600Mi" } }).memory.maxmemoryBytes, 600 * MiB);
        const limitOnly = resolveSettings("c", { resources: { limits: { memory: "4Gi" } } });
        assert.equal(limitOnly.resources.requests.memory, "4Gi", "the request follows a limit given alone");
    });

    it("takes storage class and internal load balancer annotations from the cloud preset", () => {
        assert.equal(resolveSettings("c", { cloud: "aws" }).persistence.storageClassName, "gp2");
        assert.equal(resolveSettings("c", { cloud: "gcp" }).persistence.storageClassName, "standard-rwo");
        assert.equal(resolveSettings("c", { cloud: "azure" }).persistence.storageClassName, "managed-csi");
        assert.equal(resolveSettings("c", { cloud: "local" }).persistence.storageClassName, "standard");
        assert.equal(
            resolveSettings("c", { cloud: "gcp", persistence: { storageClassName: "premium-rwo" } }).persistence.storageClassName,
            "premium-rwo",
        );
        const lb = resolveSettings("c", { cloud: "azure", service: { type: "LoadBalancer" } }).service;
        assert.equal(lb.annotations["service.beta.kubernetes.io/azure-load-balancer-internal"], "true");
        const aws = resolveSettings("c", { cloud: "aws", service: { type: "LoadBalancer" } }).service;
        assert.equal(aws.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
        const publicLb = resolveSettings("c", { cloud: "aws", service: { type: "LoadBalancer", internal: false } }).service;
        assert.deepEqual(publicLb.annotations, {});
    });

    it("uses a class of its own for static local volumes", () => {
        const settings = resolveSettings("c", {
            cloud: "local",
            persistence: { localVolumes: { path: "/mnt/disks/", nodeNames: ["node-a"] } },
        });
        assert.equal(settings.persistence.storageClassName, "default-c-data");
        assert.equal(settings.persistence.createdStorageClass?.provisioner, "kubernetes.io/no-provisioner");
        assert.deepEqual(settings.persistence.localVolumes, { path: "/mnt/disks", nodeNames: ["node-a"] });
    });

    it("points every replica at a new master at once (parallel-syncs), unless told otherwise", () => {
        const topology = (args: RedisArgs) => {
            const resolved = resolveSettings("c", { mode: "sentinel", ...args }).topology;
            assert.equal(resolved.kind, "sentinel");
            return resolved;
        };
        assert.equal(topology({}).parallelSyncs, 2);
        assert.equal(topology({ replicas: 5 }).parallelSyncs, 4);
        assert.equal(topology({ replicas: 1, sentinel: { allowFewerThanThreeServers: true } }).parallelSyncs, 1);
        assert.equal(topology({ replicas: 5, sentinel: { parallelSyncs: 1 } }).parallelSyncs, 1);
    });

    it("accepts a user password or an existing Secret", () => {
        assert.equal(resolveSettings("c", { auth: { password: "s3cret" } }).auth.source, "provided");
        const existing = resolveSettings("c", { auth: { existingSecret: { name: "shared-redis", key: "redis-password" } } }).auth;
        assert.deepEqual(existing, { source: "existingSecret", secretName: "shared-redis", secretKey: "redis-password" });
    });
});

/** One row per bad input: the arguments and the words the error must contain. */
const BAD_INPUTS: Array<{ why: string; name?: string; args: unknown; expect: RegExp }> = [
    { why: "name not DNS-1123", name: "My_Cache", args: {}, expect: /name = "My_Cache" is not a DNS-1123 label/ },
    {
        why: "name starting with a digit",
        name: "1cache",
        args: {},
        expect: /name = "1cache" does not start with a letter, as Service names must; use a name such as "redis-1cache"/,
    },
    {
        why: "name too long for a StatefulSet",
        name: "a".repeat(53),
        args: {},
        expect: /name = "a+" is 53 characters long, and the StatefulSet \("a+"\) would exceed its 52-character limit; use at most 52 characters/,
    },
    { why: "namespace not DNS-1123", args: { namespace: "Data" }, expect: /namespace = "Data" is not a DNS-1123 label/ },
    {
        why: "a created class without a preset that has one",
        args: { cloud: "local", persistence: { createStorageClass: true } },
        expect: /persistence.createStorageClass = true has no class to create for cloud "local"; set cloud to "aws", "gcp" or "azure"/,
    },
    {
        why: "creating a namespace every cluster has",
        args: { namespace: "default", createNamespace: true },
        expect: /createNamespace = true would take over the cluster's own namespace "default"/,
    },
    {
        why: "a created class and a named one",
        args: { cloud: "aws", persistence: { createStorageClass: true, storageClassName: "gp3" } },
        expect: /persistence.createStorageClass = true cannot be combined with persistence.storageClassName/,
    },
    { why: "namespace too long", args: { namespace: "n".repeat(64) }, expect: /namespace = "n+" is 64 characters long; use at most 63/ },
    {
        why: "the old name of the Sentinel mode",
        args: { mode: "replication" },
        expect: /mode = "replication" is not accepted; use one of: "standalone", "sentinel", "cluster"/,
    },
    {
        why: "sentinel with two servers",
        args: { mode: "sentinel", replicas: 2 },
        expect: /replicas = 2 leaves no Sentinel majority after the loss of one pod.*set sentinel.allowFewerThanThreeServers/,
    },
    {
        why: "sentinel args in standalone mode",
        args: { sentinel: {} },
        expect: /sentinel .* applies to mode "sentinel" only; set mode: "sentinel"/,
    },
    {
        why: "unknown sentinel arg",
        args: { mode: "sentinel", sentinel: { downAfter: 1 } },
        expect: /sentinel.downAfter .*is not an argument/,
    },
    {
        why: "down-after below 100 ms",
        args: { mode: "sentinel", sentinel: { downAfterMilliseconds: 50 } },
        expect: /sentinel.downAfterMilliseconds = 50 is out of range; use a whole number from 100/,
    },
    {
        why: "quorum above the servers",
        args: { mode: "sentinel", sentinel: { quorum: 4 } },
        expect: /sentinel.quorum = 4 is out of range; use a whole number from 1 to 3/,
    },
    {
        why: "min-replicas-to-write above the replicas",
        args: { mode: "sentinel", sentinel: { minReplicasToWrite: 3 } },
        expect: /sentinel.minReplicasToWrite = 3 is out of range; use a whole number from 0 to 2/,
    },
    {
        why: "anti-affinity misspelt",
        args: { mode: "sentinel", podAntiAffinity: "strict" },
        expect: /podAntiAffinity = "strict" is not accepted; use one of: "soft", "hard"/,
    },
    {
        why: "managed replication directive",
        args: { mode: "sentinel", config: { "replica-priority": "10" } },
        expect: /config\["replica-priority"\] .*is managed by the component/,
    },
    { why: "cluster not yet available", args: { mode: "cluster" }, expect: /mode = "cluster" is not available in this version/ },
    {
        why: "a kubectl image on a moving tag",
        args: { mode: "sentinel", sentinel: { kubectlImage: "registry.k8s.io/kubectl:latest" } },
        expect: /sentinel.kubectlImage = "registry.k8s.io\/kubectl:latest" uses the moving tag 'latest'; pin a version/,
    },
    {
        why: "a kubectl image without a tag",
        args: { mode: "sentinel", sentinel: { kubectlImage: "bitnami/kubectl" } },
        expect: /sentinel.kubectlImage = "bitnami\/kubectl" has no tag/,
    },
    { why: "replicas for standalone", args: { replicas: 3 }, expect: /replicas = 3 makes no sense in standalone mode/ },
    { why: "replicas not a whole number", args: { replicas: 1.5 }, expect: /replicas = 1.5 is out of range; use a whole number/ },
    {
        why: "an engine that does not exist",
        args: { engine: "keydb" as never },
        expect: /engine = "keydb" is not accepted; use one of: "redis", "valkey"/,
    },
    {
        why: "a valkey image for the redis engine",
        args: { engine: "redis", image: "docker.io/valkey/valkey:8.1.1-bookworm" },
        expect: /image = "docker.io\/valkey\/valkey:8.1.1-bookworm" is a valkey 8.1.1 image, but engine is "redis"; use a redis image \(the default is "docker.io\/library\/redis:8.0.2-bookworm"\), or set engine to "valkey"/,
    },
    {
        why: "a redis image for the valkey engine",
        args: { engine: "valkey", image: "redis:8.0.2" },
        expect: /image = "redis:8.0.2" is a redis 8.0.2 image, but engine is "valkey"; use a valkey image \(the default is "docker.io\/valkey\/valkey:8.1.1-bookworm"\)/,
    },
    {
        why: "a redis older than 7.0",
        args: { image: "redis:6.2.14" },
        expect: /image = "redis:6.2.14" is redis 6.2.14, older than this package supports .*; use redis 7.0 or later/,
    },
    { why: "image latest", args: { image: "redis:latest" }, expect: /image = "redis:latest" uses the moving tag 'latest'; pin a version/ },
    { why: "image without tag", args: { image: "docker.io/library/redis" }, expect: /image = "docker.io\/library\/redis" has no tag/ },
    {
        why: "size in GB",
        args: { persistence: { size: "8GB" } },
        expect: /persistence.size = "8GB" is not a Kubernetes quantity; use "8Gi"/,
    },
    { why: "size zero", args: { persistence: { size: "0" } }, expect: /persistence.size = "0" is not positive/ },
    {
        why: "storage class not a name",
        args: { persistence: { storageClassName: "Fast SSD" } },
        expect: /persistence.storageClassName = "Fast SSD" is not a DNS-1123 subdomain/,
    },
    {
        why: "appendfsync unknown",
        args: { persistence: { appendfsync: "sometimes" } },
        expect: /persistence.appendfsync = "sometimes" is not accepted; use one of: "always", "everysec", "no"/,
    },
    {
        why: "save points malformed",
        args: { persistence: { rdbSavePoints: "3600" } },
        expect: /persistence.rdbSavePoints = "3600" is not a list of save points/,
    },
    {
        why: "volume settings with persistence off",
        args: { persistence: { enabled: false, size: "8Gi" } },
        expect: /persistence.size = "8Gi" has no effect with persistence.enabled = false/,
    },
    {
        why: "neither AOF nor RDB on a volume",
        args: { persistence: { aof: false, rdb: false } },
        expect: /persistence = .* keeps a volume that nothing writes to; .*persistence.enabled = false for a cache/,
    },
    {
        why: "appendfsync without AOF",
        args: { persistence: { aof: false, appendfsync: "always" } },
        expect: /persistence.appendfsync = "always" has no effect with persistence.aof = false/,
    },
    {
        why: "retention policy unknown",
        args: { persistence: { whenDeleted: "Keep" } },
        expect: /persistence.whenDeleted = "Keep" is not accepted; use one of: "Retain", "Delete"/,
    },
    {
        why: "local volume path relative",
        args: { persistence: { localVolumes: { path: "data/redis", nodeNames: ["n1"] } } },
        expect: /persistence.localVolumes.path = "data\/redis" is not an absolute path/,
    },
    {
        why: "local volume path with a blank",
        args: { persistence: { localVolumes: { path: "/srv/redis data", nodeNames: ["n1"] } } },
        expect: /persistence.localVolumes.path = "\/srv\/redis data" is not an absolute path on the node without "\.\." or blanks; use a directory/,
    },
    {
        why: "local volumes without nodes",
        args: { persistence: { localVolumes: { path: "/mnt", nodeNames: [] } } },
        expect: /persistence.localVolumes.nodeNames = \[\] names no node/,
    },
    {
        why: "memory request in MB",
        args: { resources: { requests: { memory: "512MB" } } },
        expect: /resources.requests.memory = "512MB" is not a Kubernetes quantity; use "512Mi"/,
    },
    {
        why: "cpu limit not a quantity",
        args: { resources: { limits: { cpu: "two" } } },
        expect: /resources.limits.cpu = "two" is not a Kubernetes quantity/,
    },
    {
        why: "memory limit below request",
        args: { resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } },
        expect: /resources.limits.memory = "1Gi" is below resources.requests.memory \(2Gi\)/,
    },
    {
        why: "memory limit tiny",
        args: { resources: { limits: { memory: "16Mi" } } },
        expect: /resources.limits.memory = "16Mi" leaves Redis no room to run; use at least 32Mi/,
    },
    {
        why: "maxmemory above the limit",
        args: { memory: { maxmemory: "2Gi" } },
        expect: /memory.maxmemory = "2Gi" is not below the container memory limit \(1Gi\)/,
    },
    {
        why: "maxmemory equal to the limit",
        args: { memory: { maxmemory: "1Gi" } },
        expect: /memory.maxmemory = "1Gi" is not below the container memory limit/,
    },
    {
        why: "maxmemory percent too high",
        args: { memory: { maxmemoryPercent: 100 } },
        expect: /memory.maxmemoryPercent = 100 leaves less than 30% of the memory limit as headroom, .*; use a whole number from 10 to 70/,
    },
    {
        why: "maxmemory twice",
        args: { memory: { maxmemory: "500Mi", maxmemoryPercent: 50 } },
        expect: /memory = .* sets both maxmemory and maxmemoryPercent/,
    },
    {
        why: "password and existing secret",
        args: { auth: { password: "x", existingSecret: { name: "s" } } },
        expect: /auth = .*"\[secret\]".* sets both password and existingSecret/,
    },
    {
        why: "existing secret name invalid",
        args: { auth: { existingSecret: { name: "Redis_Pass" } } },
        expect: /auth.existingSecret.name = "Redis_Pass" is not a DNS-1123 subdomain/,
    },
    {
        why: "requirepass smuggled",
        args: { config: { requirepass: "hunter2" } },
        expect: /config\["requirepass"\] = "\[secret\]" is managed by the component; use auth.password or auth.existingSecret/,
    },
    {
        why: "port smuggled",
        args: { config: { port: "6380" } },
        expect: /config\["port"\] = "6380" is managed by the component; the port is fixed/,
    },
    {
        why: "upper-case managed directive",
        args: { config: { MAXMEMORY: "1gb" } },
        expect: /config\["MAXMEMORY"\] = "1gb" is managed by the component; use memory.maxmemory/,
    },
    {
        why: "appendonly smuggled",
        args: { config: { appendonly: "no" } },
        expect: /config\["appendonly"\] = "no" is managed by the component; use persistence.aof/,
    },
    {
        why: "include smuggled",
        args: { config: { include: "/etc/passwd" } },
        expect: /config\["include"\] = "\/etc\/passwd" is managed by the component/,
    },
    {
        why: "directive with a newline",
        args: { config: { "notify-keyspace-events": "Ex\nrequirepass x" } },
        expect: /config\["notify-keyspace-events"\] = .* is not a single-line string/,
    },
    {
        why: "directive name with a space",
        args: { config: { "maxmemory policy": "x" } },
        expect: /config\["maxmemory policy"\] = "\[secret\]" is not a redis.conf directive name/,
    },
    {
        why: "eviction policy unknown",
        args: { config: { "maxmemory-policy": "lru" } },
        expect: /config\["maxmemory-policy"\] = "lru" is not an eviction policy; use one of: noeviction/,
    },
    {
        why: "unknown cloud",
        args: { cloud: "digitalocean" },
        expect: /cloud = "digitalocean" is not accepted; use one of: "local", "aws", "gcp", "azure"/,
    },
    {
        why: "unknown service type",
        args: { service: { type: "NodePort" } },
        expect: /service.type = "NodePort" is not accepted; use one of: "ClusterIP", "LoadBalancer"/,
    },
    {
        why: "load balancer that could be public",
        args: { service: { type: "LoadBalancer" } },
        expect: /service.type = "LoadBalancer" would create a load balancer that may be public/,
    },
    {
        why: "source ranges not CIDRs",
        args: { cloud: "aws", service: { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0"] } },
        expect: /service.loadBalancerSourceRanges\[0\] = "10.0.0.0" is not a CIDR/,
    },
    {
        why: "source ranges on ClusterIP",
        args: { service: { loadBalancerSourceRanges: ["10.0.0.0/8"] } },
        expect: /service.loadBalancerSourceRanges = \["10.0.0.0\/8"\] has no effect on a ClusterIP Service/,
    },
    {
        why: "pod label overriding the selector",
        args: { podLabels: { "app.kubernetes.io/instance": "other" } },
        expect: /podLabels\["app.kubernetes.io\/instance"\] = "other" is set by the component/,
    },
    {
        why: "label value too long",
        args: { podLabels: { team: "x".repeat(64) } },
        expect: /podLabels\["team"\] = "x+" is not a valid label value/,
    },
    {
        why: "grace period too short",
        args: { terminationGracePeriodSeconds: 0 },
        expect: /terminationGracePeriodSeconds = 0 is out of range; use a whole number from 10 to 3600/,
    },
    {
        why: "misspelled argument",
        args: { persistance: { size: "1Gi" } },
        expect: /persistance is not an argument; the accepted ones are: mode, replicas/,
    },
    {
        why: "misspelled nested argument",
        args: { persistence: { sizee: "1Gi" } },
        expect: /persistence.sizee is not an argument; the accepted ones are: enabled, size/,
    },
];

describe("settings: every bad argument is named, with the fix", () => {
    it(`covers at least 25 distinct bad inputs (${BAD_INPUTS.length})`, () => {
        assert.ok(BAD_INPUTS.length >= 25);
    });

    for (const row of BAD_INPUTS) {
        it(`rejects ${row.why}`, () => {
            const name = row.name ?? "cache";
            assert.throws(
                () => resolveSettings(name, row.args as RedisArgs),
                (error: unknown) => {
                    assert.ok(error instanceof RedisArgumentError, `expected a RedisArgumentError, got ${error}`);
                    assert.ok(error.message.startsWith(`Redis "${name}": `), error.message);
                    assert.match(error.message, row.expect);
                    return true;
                },
            );
        });
    }

    it("never echoes a password in an error", () => {
        assert.throws(
            () => resolveSettings("c", { auth: { password: "hunter2-secret", existingSecret: { name: "s" } } }),
            (error: Error) => !error.message.includes("hunter2-secret"),
        );
    });
});
