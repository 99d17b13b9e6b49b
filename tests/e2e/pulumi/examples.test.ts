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

const NODE = "kr-node-1";
const APP_NAMESPACE = "kr-e2e-app";
// examples/basic is `new Redis("cache", {})`: the default image, an 8Gi claim of the cluster's
// default class, in `default`. The local cluster pulls nothing and provisions nothing, so the
// fixture gives kr-node-1's containerd the default image's name (read from the package's own
// render; for the image the toolchain built, Redis 8.0.2) and a static local PersistentVolume
// that the claim binds to.
const LOCAL_IMAGE = "localhost/kubernetes-redis/redis:8.0.2-trixie";
const PV = "kr-e2e-basic-cache-0";
const VOLUME_DIR = "/var/local-volumes/default-cache-0";

/** ctr against kr-node-1's containerd (the toolchain's ctr, the node's socket). */
function nodeCtr(args: string[]): string {
    const script = [
        "source tools/toolchain/lib.sh && source tools/toolchain/components/containerd.sh",
        'ctr=$(entry_dir containerd "$(component_version)")/bin/ctr',
        'exec "$ctr" -a "${KUBERNETES_REDIS_CLUSTER_DIR:-/var/tmp/kubernetes-redis/cluster}/nodes/$0/run/containerd/containerd.sock" -n k8s.io "$@"',
    ].join("\n");
    return execFileSync("bash", ["-c", script, NODE, ...args], { cwd: REPO, encoding: "utf8" });
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
        kubectl(
            env,
            ["apply", "-f", "-"],
            JSON.stringify({
                apiVersion: "v1",
                kind: "PersistentVolume",
                metadata: { name: PV },
                spec: {
                    capacity: { storage: "8Gi" },
                    accessModes: ["ReadWriteOnce"],
                    persistentVolumeReclaimPolicy: "Retain",
                    claimRef: { namespace: "default", name: "data-cache-0" },
                    local: { path: VOLUME_DIR },
                    nodeAffinity: {
                        required: {
                            nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [NODE] }] }],
                        },
                    },
                },
            }),
        );
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
        const started = Date.now();
        const result = await basic.stack.up({ configFile: basic.configFile });
        console.log(
            `      examples/basic up: ${((Date.now() - started) / 1000).toFixed(1)} s, ${JSON.stringify(result.summary.resourceChanges)}`,
        );
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
