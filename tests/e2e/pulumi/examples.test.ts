// examples/basic and examples/consumer, deployed for real by the engine of the toolchain cache:
// the consumer reads basic's `connection` through a real StackReference on the same file
// backend, copies it into a Secret of its own namespace and runs a heartbeat Deployment.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import IORedis from "ioredis";
import {
    REPO,
    TestStack,
    kubeGet,
    kubectl,
    kubectlResult,
    requireEngineAndCluster,
    tempDir,
    volumeDir,
    waitFor,
} from "../../support/pulumi-engine";
import { renderRedis } from "../../../tools/render";
import { IMAGES } from "../harness/fixtures";
import { ClusterDns, sentinelClient } from "../harness/sentinel";

const NODE = "kr-node-1";
const APP_NAMESPACE = "kr-e2e-app";
// examples/basic is `new Redis("cache", {})`: the default image, an 8Gi claim of the cluster's
// default class, in `default`. The local cluster pulls nothing and provisions nothing, so the
// fixture gives kr-node-1's containerd the default image's name (read from the package's own
// render; for the image the toolchain built, Redis 8.0.2) and a static local PersistentVolume
// that the claim binds to.
const LOCAL_IMAGE = IMAGES.redis;
const PV = "kr-e2e-basic-cache-0";
const VOLUME_DIR = "/var/local-volumes/default-cache-0";

/** ctr against a node's containerd (the toolchain's ctr, the node's socket). */
function nodeCtr(args: string[], node = NODE): string {
    const script = [
        "source tools/toolchain/lib.sh && source tools/toolchain/components/containerd.sh",
        'ctr=$(entry_dir containerd "$(component_version)")/bin/ctr',
        'exec "$ctr" -a "${KUBERNETES_REDIS_CLUSTER_DIR:-/var/tmp/kubernetes-redis/cluster}/nodes/$0/run/containerd/containerd.sock" -n k8s.io "$@"',
    ].join("\n");
    return execFileSync("bash", ["-c", script, node, ...args], { cwd: REPO, encoding: "utf8" });
}

/** `up` of an example's stack, its wall time and resource changes logged. */
async function timedUp(stack: TestStack, example: string): Promise<void> {
    const started = Date.now();
    const result = await stack.stack.up({ configFile: stack.configFile });
    console.log(
        `      examples/${example} up: ${((Date.now() - started) / 1000).toFixed(1)} s, ${JSON.stringify(result.summary.resourceChanges)}`,
    );
}

/** A static local PersistentVolume bound in advance to one claim, on one node. */
function localVolume(name: string, claim: string, node: string, directory: string, size: string) {
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name },
        spec: {
            capacity: { storage: size },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Retain",
            claimRef: { namespace: "default", name: claim },
            local: { path: directory },
            nodeAffinity: {
                required: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }],
                },
            },
        },
    };
}

describe("examples/basic and examples/consumer deploy for real (StackReference on a file backend)", function () {
    this.timeout(10 * 60 * 1000);
    let env: NodeJS.ProcessEnv;
    let tmp: string;
    let basic: TestStack | undefined;
    let consumer: TestStack | undefined;
    let defaultImage: string | undefined;

    before(async function () {
        tmp = tempDir("kr-pulumi-examples-");
        const found = requireEngineAndCluster(this, tmp);
        if (!found) return;
        env = found;
        const sts = (await renderRedis("cache", {})).find((o) => o.kind === "StatefulSet") as unknown as {
            spec: { template: { spec: { containers: { image: string }[] } } };
        };
        defaultImage = sts.spec.template.spec.containers[0].image;
        nodeCtr(["images", "tag", "--force", LOCAL_IMAGE, defaultImage]);
        kubectlResult(env, ["delete", "namespace", APP_NAMESPACE, "--wait=true", "--timeout=120s"]);
        kubectlResult(env, ["-n", "default", "delete", "pvc", "data-cache-0", "--wait=true", "--timeout=60s"]);
        kubectlResult(env, ["delete", "pv", PV, "--wait=true", "--timeout=60s"]);
        volumeDir(NODE, VOLUME_DIR);
        kubectl(env, ["apply", "-f", "-"], JSON.stringify(localVolume(PV, "data-cache-0", NODE, VOLUME_DIR, "8Gi")));
    });

    after(async function () {
        if (consumer)
            await consumer.stack.destroy({ configFile: consumer.configFile }).catch((e) => console.warn(`destroy consumer: ${e}`));
        if (basic) await basic.stack.destroy({ configFile: basic.configFile }).catch((e) => console.warn(`destroy basic: ${e}`));
        if (env) {
            kubectlResult(env, ["delete", "namespace", APP_NAMESPACE, "--wait=false"]);
            kubectlResult(env, ["-n", "default", "delete", "pvc", "data-cache-0", "--wait=true", "--timeout=60s"]);
            kubectlResult(env, ["delete", "pv", PV, "--wait=false"]);
            try {
                if (defaultImage) nodeCtr(["images", "rm", defaultImage]);
            } catch (error) {
                console.warn(`ctr images rm: ${error}`);
            }
        }
        consumer?.restoreCommitted();
        basic?.restoreCommitted();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("examples/basic: up creates a Ready Redis with a secret connection", async () => {
        basic = await TestStack.create(path.join(REPO, "examples/basic"), "basic", env, tmp);
        await timedUp(basic, "basic");
        const outputs = await basic.outputs();
        assert.equal(outputs.connection.secret, true);
        assert.equal(outputs.connection.value.host, "cache.default.svc.cluster.local");
        const pod = kubeGet(env, "pod", "cache-0", "default");
        assert.ok(pod.status.conditions.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True"));
    });

    it("examples/consumer: a real StackReference, its own Secret, a heartbeat Deployment that writes Redis", async () => {
        assert.ok(basic, "needs the basic stack");
        consumer = await TestStack.create(path.join(REPO, "examples/consumer"), "consumer", env, tmp);
        consumer.setConfig("redisStack", "organization/redis-basic/basic");
        consumer.setConfig("namespace", APP_NAMESPACE);
        const result = await consumer.stack.up({ configFile: consumer.configFile });
        console.log(`      examples/consumer up: ${JSON.stringify(result.summary.resourceChanges)}`);
        const outputs = await consumer.outputs();
        assert.equal(outputs.redisHost.value, "cache.default.svc.cluster.local");
        assert.equal(outputs.redisHost.secret, true, "a part of a secret output stays secret across the StackReference");
        const password = (await basic.outputs()).connection.value.password;
        const secret = kubeGet(env, "secret", "app-redis", APP_NAMESPACE);
        assert.equal(Buffer.from(secret.data.REDISCLI_AUTH, "base64").toString(), password);
        const ip = kubeGet(env, "pod", "cache-0", "default").status.podIP;
        const client = new IORedis({
            host: ip,
            port: 6379,
            password,
            lazyConnect: true,
            maxRetriesPerRequest: 0,
            retryStrategy: () => null,
        });
        try {
            await client.connect();
            const firstValue = await waitFor("a first heartbeat", 120, async () => Number(await client.get("heartbeats")) || undefined);
            await new Promise((resolve) => setTimeout(resolve, 11_000));
            const later = Number(await client.get("heartbeats"));
            console.log(`      heartbeats: ${firstValue} then ${later} 11 s later`);
            assert.ok(later >= firstValue + 2, `the heartbeat increments (${firstValue} -> ${later})`);
        } finally {
            client.disconnect();
        }
    });
});

describe("examples/sentinel deploys for real: three pods on three nodes, reached through the Sentinels", function () {
    this.timeout(10 * 60 * 1000);
    const nodes = ["kr-node-1", "kr-node-2", "kr-node-3"];
    const claims = nodes.map((_, ordinal) => `data-cache-${ordinal}`);
    const volumes = nodes.map((_, ordinal) => `kr-e2e-sentinel-cache-${ordinal}`);
    // One directory per run: /var/local-volumes is the same folder on every node.
    const directories = nodes.map((_, ordinal) => `/var/local-volumes/kr-e2e-sentinel-${process.pid}-${ordinal}`);
    let env: NodeJS.ProcessEnv;
    let tmp: string;
    let stack: TestStack | undefined;
    let defaultImage: string | undefined;
    let defaultKubectlImage: string | undefined;

    function removeClaimsAndVolumes(): void {
        for (const claim of claims) kubectlResult(env, ["-n", "default", "delete", "pvc", claim, "--wait=true", "--timeout=60s"]);
        // examples/basic's volume is bound in advance to data-cache-0 too.
        for (const volume of [...volumes, PV]) kubectlResult(env, ["delete", "pv", volume, "--wait=true", "--timeout=60s"]);
    }

    before(async function () {
        tmp = tempDir("kr-pulumi-sentinel-");
        const found = requireEngineAndCluster(this, tmp);
        if (!found) return;
        env = found;
        // examples/sentinel is `new Redis("cache", { mode: "sentinel" })`: the default image and
        // three 8Gi claims of the default class, in `default`. Every node gets the default image's
        // name for the image the toolchain built, and a static volume for one of the claims.
        // The same for the image the pods copy kubectl from.
        const sts = (await renderRedis("cache", { mode: "sentinel" })).find((o) => o.kind === "StatefulSet") as unknown as {
            spec: { template: { spec: { containers: { image: string }[]; initContainers: { name: string; image: string }[] } } };
        };
        defaultImage = sts.spec.template.spec.containers[0].image;
        defaultKubectlImage = sts.spec.template.spec.initContainers.find((c) => c.name === "kubectl")?.image ?? "";
        for (const node of nodes) {
            nodeCtr(["images", "tag", "--force", LOCAL_IMAGE, defaultImage], node);
            nodeCtr(["images", "tag", "--force", IMAGES.kubectl, defaultKubectlImage], node);
        }
        removeClaimsAndVolumes();
        for (const [ordinal, node] of nodes.entries()) {
            volumeDir(node, directories[ordinal]);
            kubectl(
                env,
                ["apply", "-f", "-"],
                JSON.stringify(localVolume(volumes[ordinal], claims[ordinal], node, directories[ordinal], "8Gi")),
            );
        }
    });

    after(async function () {
        if (stack) await stack.stack.destroy({ configFile: stack.configFile }).catch((e) => console.warn(`destroy sentinel: ${e}`));
        if (env) {
            removeClaimsAndVolumes();
            for (const node of nodes) {
                try {
                    if (defaultImage) nodeCtr(["images", "rm", defaultImage], node);
                    if (defaultKubectlImage) nodeCtr(["images", "rm", defaultKubectlImage], node);
                } catch (error) {
                    console.warn(`ctr images rm on ${node}: ${error}`);
                }
            }
        }
        for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
        stack?.restoreCommitted();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("up creates one master and two replicas on three nodes; a Sentinel-aware client writes and reads; a second up changes nothing", async () => {
        stack = await TestStack.create(path.join(REPO, "examples/sentinel"), "sentinel", env, tmp);
        await timedUp(stack, "sentinel");
        const { connection } = await stack.outputs();
        assert.equal(connection.secret, true);
        const hosts = ["cache-0", "cache-1", "cache-2"].map((pod) => `${pod}.default.svc.cluster.local`);
        assert.deepEqual(
            connection.value.sentinels,
            hosts.map((host) => `${host}:26379`),
        );
        assert.equal(connection.value.masterName, "cache");
        assert.equal(connection.value.host, "cache-sentinel.default.svc.cluster.local");

        const pods = ["cache-0", "cache-1", "cache-2"].map((pod) => kubeGet(env, "pod", pod, "default"));
        assert.deepEqual(new Set(pods.map((pod) => pod.spec.nodeName)), new Set(nodes), "one pod per node");
        // The engine filled the pods' hostAliases in from the Services it had created.
        assert.deepEqual(
            pods[0].spec.hostAliases,
            ["cache-0", "cache-1", "cache-2"].map((service, ordinal) => ({
                ip: kubeGet(env, "service", service, "default").spec.clusterIP,
                hostnames: [hosts[ordinal]],
            })),
        );

        const dns = new ClusterDns(hosts);
        await dns.start();
        const client = sentinelClient(dns, hosts, connection.value.masterName, connection.value.password);
        try {
            // The master refuses writes (NOREPLICAS, min-replicas-to-write) until a replica has
            // synchronised with it, and the pods' names may be cached as absent for a while (see
            // README): up returns once every pod is Ready, which can be earlier.
            const upDone = Date.now();
            const errors: string[] = [];
            await waitFor("a first write through the Sentinels", 90, async () => {
                try {
                    return await client.set("written-through-sentinel", "yes");
                } catch (error) {
                    errors.push((error as Error).message);
                    throw error;
                }
            });
            console.log(
                `      first write accepted ${((Date.now() - upDone) / 1000).toFixed(1)} s after up; before it: ${JSON.stringify(errors)}`,
            );
            // Both replicas acknowledge it, once both have synchronised with the master.
            await waitFor("both replicas acknowledging a write", 60, async () =>
                (await client.call("WAIT", "2", "1000")) === 2 ? true : undefined,
            );
            assert.equal(await client.get("written-through-sentinel"), "yes");
            const role = (await client.call("ROLE")) as [string, ...unknown[]];
            assert.equal(role[0], "master");
        } finally {
            client.disconnect();
            dns.stop();
        }

        // README's command for a client that does not speak Sentinel, from a pod of the cluster.
        const asked = execFileSync(
            "kubectl",
            [
                "-n",
                "default",
                "exec",
                "-i",
                "cache-0",
                "-c",
                "redis",
                "--",
                "redis-cli",
                "-h",
                "cache-sentinel.default.svc.cluster.local",
                "-p",
                "26379",
                "--askpass",
                "SENTINEL",
                "get-master-addr-by-name",
                "cache",
            ],
            { env, encoding: "utf8", input: `${connection.value.password}\n` },
        );
        assert.match(asked, /cache-\d\.default\.svc\.cluster\.local\s+6379/, asked);

        // README's commands for a client that does not speak Sentinel: the primary Service reaches
        // the master, the read Service a replica.
        assert.equal(connection.value.primaryHost, "cache-primary.default.svc.cluster.local");
        assert.equal(connection.value.readHost, "cache-read.default.svc.cluster.local");
        const plain = (host: string, ...command: string[]) =>
            execFileSync(
                "kubectl",
                ["-n", "default", "exec", "-i", "cache-0", "-c", "redis", "--", "redis-cli", "-h", host, "--askpass", ...command],
                { env, encoding: "utf8", input: `${connection.value.password}\n` },
            ).trim();
        assert.equal(plain(connection.value.primaryHost, "SET", "written-through-primary", "yes"), "OK");
        assert.match(plain(connection.value.primaryHost, "ROLE"), /^master/);
        await waitFor("the write on a replica, read through the read Service", 30, async () =>
            plain(connection.value.readHost, "GET", "written-through-primary") === "yes" ? true : undefined,
        );
        assert.match(plain(connection.value.readHost, "ROLE"), /^slave/);

        const again = await stack.stack.up({ configFile: stack.configFile });
        const changed = Object.entries(again.summary.resourceChanges ?? {}).filter(([kind]) => kind !== "same");
        assert.deepEqual(changed, [], "a second up with the same program changes nothing");
    });
});
