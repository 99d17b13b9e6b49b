import { strict as assert } from "assert";
import { Redis, RedisArgs } from "../../sdk/index";
import { AUTH_VERSION_ANNOTATION, CONFIG_CHECKSUM_ANNOTATION, REDIS_TYPE_TOKEN } from "../../sdk/core/constants";
import { isSecret, MockRun, RecordedResource, runWithMocks } from "../../tools/pulumi-mocks";
import { Loose } from "../support/loose";

interface Deployed {
    run: MockRun;
    redis: Redis;
    byKind(kind: string): Loose[];
    one(kind: string): Loose;
}

async function deploy(
    args: RedisArgs,
    name = "cache",
    reads?: Record<string, Record<string, unknown>>,
    clusterIPs?: Record<string, string>,
): Promise<Deployed> {
    let redis: Redis | undefined;
    const run = await runWithMocks({ project: "unit", stack: "test", reads, clusterIPs }, () => {
        redis = new Redis(name, args);
        return { connection: redis.connection };
    });
    const kube = run.resources.filter((r) => r.type.startsWith("kubernetes:") && !r.read).map((r) => r.inputs as Loose);
    const byKind = (kind: string) => kube.filter((object) => object.kind === kind);
    return {
        run,
        redis: redis as Redis,
        byKind,
        one(kind: string) {
            const found = byKind(kind);
            assert.equal(found.length, 1, `expected one ${kind}, found ${found.length}`);
            return found[0];
        },
    };
}

const value = <T>(output: { apply: Loose }) => new Promise<T>((resolve) => output.apply((v: T) => resolve(v)));

describe("component: what Redis registers", () => {
    it("registers the component and exactly its Kubernetes objects", async () => {
        const { run } = await deploy({ namespace: "data" });
        const types = run.resources.map((r: RecordedResource) => r.type).sort();
        assert.deepEqual(types, [
            REDIS_TYPE_TOKEN,
            "kubernetes:apps/v1:StatefulSet",
            "kubernetes:core/v1:ConfigMap",
            "kubernetes:core/v1:PersistentVolumeClaim",
            "kubernetes:core/v1:Secret",
            "kubernetes:core/v1:Service",
            "kubernetes:core/v1:Service",
            "random:index/randomId:RandomId",
            "random:index/randomPassword:RandomPassword",
        ]);
    });

    it("generates a long URL-safe password whose inputs never change, so updates keep it", async () => {
        const first = await deploy({ namespace: "data" });
        const second = await deploy({ namespace: "data", config: { "maxmemory-policy": "allkeys-lfu" }, persistence: { size: "20Gi" } });
        const randomOf = (d: Deployed) =>
            d.run.resources.find((r) => r.type === "random:index/randomPassword:RandomPassword") as RecordedResource;
        assert.deepEqual(randomOf(first).inputs, randomOf(second).inputs, "an unrelated change must not touch RandomPassword");
        assert.equal(randomOf(first).name, randomOf(second).name);
        assert.ok((randomOf(first).inputs.length as number) >= 32);
        const password = await value<string>(first.redis.password);
        assert.match(password, /^[A-Za-z0-9]{40}$/);
        assert.equal(first.one("Secret").stringData.password, password);
    });

    it("exports typed connection outputs; password, url and connection are secret", async () => {
        const { redis } = await deploy({ namespace: "data" });
        const password = await value<string>(redis.password);
        assert.equal(await value(redis.host), "cache.data.svc.cluster.local");
        assert.equal(await value(redis.port), 6379);
        assert.equal(await value(redis.namespace), "data");
        assert.equal(await value(redis.passwordSecretName), "cache-auth");
        assert.equal(await value(redis.url), `redis://:${password}@cache.data.svc.cluster.local:6379`);
        assert.deepEqual(await value(redis.connection), {
            host: "cache.data.svc.cluster.local",
            port: 6379,
            password,
            url: `redis://:${password}@cache.data.svc.cluster.local:6379`,
            namespace: "data",
            passwordSecretName: "cache-auth",
            passwordSecretKey: "password",
            sentinels: [],
            masterName: "",
            primaryHost: "cache.data.svc.cluster.local",
            primaryUrl: `redis://:${password}@cache.data.svc.cluster.local:6379`,
            readHost: "cache.data.svc.cluster.local",
            seedNodes: [],
        });
        for (const secret of ["password", "url", "connection"] as const) {
            assert.equal(await isSecret(redis[secret]), true, `${secret} must be a secret output`);
        }
        for (const plain of ["host", "port", "namespace", "passwordSecretName"] as const) {
            assert.equal(await isSecret(redis[plain]), false, `${plain} is not secret`);
        }
    });

    it("keeps the password out of every object but the Secret, whose data is marked secret", async () => {
        const { run, redis } = await deploy({ namespace: "data", auth: { password: "Hunter2+Correct/Horse:Battery" } });
        const password = await value<string>(redis.password);
        for (const resource of run.resources) {
            const text = JSON.stringify(resource.inputs);
            if (resource.type === "kubernetes:core/v1:Secret") {
                assert.ok(text.includes(password));
                assert.deepEqual(resource.secretPaths, ["stringData"]);
            } else if (resource.type === "random:index/randomId:RandomId") {
                assert.deepEqual(resource.secretPaths, ["keepers"], "the auth version's keeper is the password, kept secret in state");
            } else {
                assert.ok(!text.includes(password), `${resource.type} ${resource.name} contains the password`);
            }
        }
        assert.ok(
            !run.resources.some((r) => r.type === "random:index/randomPassword:RandomPassword"),
            "no password is generated when one is given",
        );
        assert.equal(await value(redis.url), `redis://:${encodeURIComponent(password)}@cache.data.svc.cluster.local:6379`);
    });

    it("reads the password of an existing Secret and creates none", async () => {
        const encoded = Buffer.from("from-the-vault").toString("base64");
        const { run, redis, byKind } = await deploy(
            { namespace: "data", auth: { existingSecret: { name: "vault-redis", key: "pw" } } },
            "cache",
            { "kubernetes:core/v1:Secret": { data: { pw: encoded } } },
        );
        assert.equal(byKind("Secret").length, 0);
        assert.ok(run.resources.some((r) => r.read && r.type === "kubernetes:core/v1:Secret"));
        assert.equal(await value(redis.password), "from-the-vault");
        assert.equal(await value(redis.passwordSecretName), "vault-redis");
        const volumes = byKind("StatefulSet")[0].spec.template.spec.volumes;
        assert.deepEqual(volumes.find((v: Loose) => v.name === "auth").secret.items, [{ key: "pw", path: "password" }]);
    });

    it("registers nothing, not even the component, when an argument is bad", async () => {
        const resources: RecordedResource[] = [];
        await assert.rejects(
            runWithMocks({ project: "unit", stack: "test" }, () => {
                new Redis("cache", { persistence: { size: "8GB" } });
                return {};
            }).then((run) => resources.push(...run.resources)),
            /persistence.size = "8GB" is not a Kubernetes quantity; use "8Gi"/,
        );
        assert.equal(resources.length, 0);
    });
});

describe("component: the objects", () => {
    it("mode sentinel: each pod's name resolves from /etc/hosts to the cluster IP the API server gave that pod's Service", async () => {
        const clusterIPs = {
            "data/cache-0": "10.0.0.10",
            "data/cache-1": "10.0.0.11",
            "data/cache-2": "10.0.0.12",
            "data/cache-3": "10.0.0.13",
        };
        const d = await deploy({ mode: "sentinel", namespace: "data", replicas: 4 }, "cache", undefined, clusterIPs);
        assert.deepEqual(
            d.one("StatefulSet").spec.template.spec.hostAliases,
            [0, 1, 2, 3].map((ordinal) => ({ ip: `10.0.0.1${ordinal}`, hostnames: [`cache-${ordinal}.data.svc.cluster.local`] })),
        );
        const services = d.byKind("Service").map((service) => service.metadata.name);
        assert.ok(
            ["cache-0", "cache-1", "cache-2", "cache-3"].every((name) => services.includes(name)),
            "the pods' Services are registered",
        );
        assert.equal(
            (await deploy({ namespace: "data" })).one("StatefulSet").spec.template.spec.hostAliases,
            undefined,
            "standalone: none",
        );
    });

    it("renders a hardened StatefulSet with persistent data and authenticated probes", async () => {
        const d = await deploy({ namespace: "data", persistence: { storageClassName: "gp3", size: "20Gi" } });
        const sts = d.one("StatefulSet");
        assert.equal(sts.metadata.name, "cache");
        assert.equal(sts.metadata.namespace, "data");
        assert.equal(sts.spec.serviceName, "cache-headless");
        assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.deepEqual(sts.spec.volumeClaimTemplates[0].spec, {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "gp3",
            resources: { requests: { storage: "20Gi" } },
        });
        const pod = sts.spec.template.spec;
        assert.equal(pod.enableServiceLinks, false);
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
        assert.equal(pod.securityContext.runAsNonRoot, true);
        const [container] = pod.containers;
        assert.equal(container.image, "docker.io/library/redis:8.0.2-bookworm");
        assert.deepEqual(
            container.env.filter((e: { name: string }) => e.name.startsWith("ENGINE_")),
            [
                { name: "ENGINE_SERVER", value: "redis-server" },
                { name: "ENGINE_CLI", value: "redis-cli" },
            ],
        );
        assert.deepEqual(container.securityContext.capabilities, { drop: ["ALL"] });
        assert.equal(container.securityContext.allowPrivilegeEscalation, false);
        assert.equal(container.securityContext.readOnlyRootFilesystem, true);
        assert.deepEqual(container.resources, { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "1Gi" } });
        for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            assert.equal(container[probe].exec.command[1], "/opt/kubernetes-redis/scripts/server-probe.sh");
            assert.ok(container[probe].timeoutSeconds > Number(container[probe].exec.command[3]), "the script gives up before the kubelet");
        }
        assert.equal(container.livenessProbe.terminationGracePeriodSeconds, 15, "a hung Redis is not given the pod's whole grace period");
        assert.equal(container.readinessProbe.terminationGracePeriodSeconds, undefined, "the API server refuses it on readiness probes");
        assert.equal(container.lifecycle, undefined, "SIGTERM alone stops Redis cleanly; a preStop SHUTDOWN would kill its own hook");
        assert.ok(
            container.env.every(
                (e: Loose) => (typeof e.value === "string" && !/pass(word)?$/i.test(e.value)) || e.name === "REDIS_PASSWORD_FILE",
            ),
        );
        const mounts = Object.fromEntries(container.volumeMounts.map((m: Loose) => [m.mountPath, m.name]));
        assert.deepEqual(mounts, {
            "/etc/redis": "config",
            "/opt/kubernetes-redis/scripts": "scripts",
            "/etc/redis-auth": "auth",
            "/run/redis": "run",
            "/tmp": "tmp",
            "/data": "data",
        });
    });

    it("rolls the pods when the configuration changes, and only then", async () => {
        const checksum = async (args: RedisArgs) =>
            (await deploy(args)).one("StatefulSet").spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
        const base = await checksum({});
        assert.notEqual(await checksum({ config: { "maxmemory-policy": "allkeys-lfu" } }), base);
        assert.notEqual(await checksum({ memory: { maxmemoryPercent: 60 } }), base);
        assert.equal(await checksum({ auth: { password: "another" } }), base, "the password is not part of the ConfigMap");
    });

    it("rolls the pods when the password changes, through a random id whose keeper is the password", async () => {
        const d = await deploy({ auth: { password: "Hunter2+Correct/Horse:Battery" } });
        const authVersion = d.run.resources.find((r) => r.type === "random:index/randomId:RandomId") as RecordedResource;
        assert.deepEqual(authVersion.inputs.keepers, { password: "Hunter2+Correct/Horse:Battery" });
        const annotations = d.one("StatefulSet").spec.template.metadata.annotations;
        assert.match(annotations[AUTH_VERSION_ANNOTATION], /^[0-9a-f]{16}$/);
        assert.ok(!JSON.stringify(annotations).includes("Hunter2"));
    });

    it("renders the governing and client Services", async () => {
        const d = await deploy({ namespace: "data", cloud: "gcp", service: { type: "LoadBalancer" } });
        const [headless, client] = ["cache-headless", "cache"].map((name) => d.byKind("Service").find((s) => s.metadata.name === name));
        assert.equal(headless.spec.clusterIP, "None");
        assert.equal(headless.spec.publishNotReadyAddresses, true);
        assert.equal(client.spec.type, "LoadBalancer");
        assert.deepEqual(client.metadata.annotations, { "networking.gke.io/load-balancer-type": "Internal" });
        for (const service of [headless, client]) {
            assert.deepEqual(service.spec.ports, [
                { name: "redis", port: 6379, targetPort: "redis", protocol: "TCP", appProtocol: "redis" },
            ]);
            assert.deepEqual(service.spec.selector, d.one("StatefulSet").spec.selector.matchLabels);
        }
    });

    it("declares one pre-bound local PersistentVolume per ordinal, with node affinity and Retain", async () => {
        const d = await deploy({
            namespace: "team-a",
            persistence: { size: "2Gi", localVolumes: { path: "/mnt/redis", nodeNames: ["worker-1"] } },
        });
        const pv = d.one("PersistentVolume");
        assert.equal(pv.metadata.name, "team-a-cache-data-0");
        assert.equal(pv.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.deepEqual(pv.spec.claimRef, { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "team-a", name: "data-cache-0" });
        assert.equal(pv.spec.local.path, "/mnt/redis/team-a-cache-0");
        assert.equal(d.one("PersistentVolumeClaim").spec.volumeName, pv.metadata.name);
        assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0], {
            key: "kubernetes.io/hostname",
            operator: "In",
            values: ["worker-1"],
        });
        assert.equal(pv.spec.storageClassName, "team-a-cache-data");
        assert.equal(d.one("StorageClass").metadata.name, "team-a-cache-data");
        assert.equal(d.one("StorageClass").provisioner, "kubernetes.io/no-provisioner");
        assert.equal(d.one("StorageClass").allowVolumeExpansion, false);
        assert.equal(d.one("PersistentVolumeClaim").spec.storageClassName, "team-a-cache-data");
        assert.equal(pv.spec.capacity.storage, "2Gi");
    });

    it("uses an emptyDir and no claims as a cache", async () => {
        const d = await deploy({ persistence: { enabled: false } });
        const sts = d.one("StatefulSet");
        assert.equal(sts.spec.volumeClaimTemplates, undefined);
        assert.deepEqual(
            sts.spec.template.spec.volumes.find((v: Loose) => v.name === "data"),
            { name: "data", emptyDir: {} },
        );
        assert.match(d.one("ConfigMap").data["redis.conf"], /^appendonly no$/m);
        assert.match(d.one("ConfigMap").data["redis.conf"], /^save ""$/m);
    });

    it("creates a namespace enforcing the restricted Pod Security Standard when asked", async () => {
        const d = await deploy({ namespace: "data", createNamespace: true });
        assert.equal(d.one("Namespace").metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });
});
