// `pulumi up` of the repository's stack program on stack `local`, for real: the Pulumi engine and
// the kubernetes and random providers from the toolchain cache, through the Automation API,
// against the local cluster (tools/cluster). One stack, one sequence: each step builds on the
// state the previous one left, as a user's stack does.
import * as assert from "assert";
import * as fs from "fs";
import IORedis from "ioredis";
import type { UpResult } from "@pulumi/pulumi/automation";
import { renderStack } from "../../../tools/render";
import { IMAGES } from "../harness/fixtures";
import {
    REPO,
    TestStack,
    differences,
    kubeGet,
    kubectl,
    kubectlResult,
    requireEngineAndCluster,
    tempDir,
    volumeDir,
    waitFor,
    withAuthVersionFromState,
} from "../../support/pulumi-engine";

const NAMESPACE = "redis";
const NODE = "kr-node-1";
const VOLUME_DIR = "/var/local-volumes/redis-redis-0";
const PV = "redis-redis-data-0";
/** The volumes of ordinals 1 and 2, which the change to mode sentinel adds, on the other nodes. */
const SENTINEL_VOLUMES = [1, 2].map((ordinal) => ({
    node: `kr-node-${ordinal + 1}`,
    dir: `/var/local-volumes/redis-redis-${ordinal}`,
    pv: `redis-redis-data-${ordinal}`,
}));
/** The class the component creates for the local volume, retained with the claim. */
const STORAGE_CLASS = "redis-redis-data";

/** Where `needle` appears in plain text in the state's resources: `<urn> <property path>`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function plainTextLocations(resources: any[], needle: string): string[] {
    const found: string[] = [];
    const walk = (value: unknown, at: string, urn: string) => {
        if (typeof value === "string" && value.includes(needle)) found.push(`${urn} ${at}`);
        else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, `${at}.${k}`, urn);
    };
    for (const resource of resources) walk({ inputs: resource.inputs, outputs: resource.outputs }, "", resource.urn);
    return found;
}

/** The engine's completed steps in an operation's output, one per resource. */
function steps(stdout: string): string {
    return stdout
        .split("\n")
        .filter((line) => / (created|updated|replaced|deleted)( original| replacement)? \(/.test(line))
        .map((line) => line.trim().replace(/\s+/g, " "))
        .join(" | ");
}

/** Creates, updates and deletes of an engine result: `{ create: 3, same: 1 }` without `same`. */
function changes(result: { summary: { resourceChanges?: Record<string, number> } }): Record<string, number> {
    return Object.fromEntries(Object.entries(result.summary.resourceChanges ?? {}).filter(([op]) => op !== "same" && op !== "read"));
}

describe("pulumi up: the stack program on stack `local` (real engine, local cluster)", function () {
    this.timeout(15 * 60 * 1000);
    let env: NodeJS.ProcessEnv;
    let test: TestStack;
    let tmp: string;

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const pod = (name = "redis-0"): any => kubeGet(env, "pod", name, NAMESPACE);
    const podReady = (name = "redis-0") => {
        const p = pod(name);
        return p?.status?.conditions?.some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True")
            ? p
            : undefined;
    };
    async function connection(): Promise<{ host: string; port: number; password: string }> {
        return (await test.outputs()).connection.value;
    }
    /**
     * A client from this machine to the pod's IP (the host routes every pod CIDR). With
     * `reconnect`, a connection the server closes is opened again 200 ms later, as a user's client
     * would (a Sentinel that reconfigures a replica closes its clients' connections).
     */
    async function withClient<T>(password: string, use: (client: IORedis) => Promise<T>, name = "redis-0", reconnect = false): Promise<T> {
        const ip = (await waitFor(`${name} Ready`, 180, () => podReady(name))).status.podIP;
        const client = new IORedis({
            host: ip,
            port: 6379,
            password: password || undefined,
            lazyConnect: true,
            maxRetriesPerRequest: 0,
            retryStrategy: () => (reconnect ? 200 : null),
            enableReadyCheck: false,
        });
        client.on("error", () => undefined);
        try {
            await client.connect();
            return await use(client);
        } finally {
            client.disconnect();
        }
    }
    async function up(what: string): Promise<UpResult> {
        const started = Date.now();
        const result = await test.stack.up({ configFile: test.configFile });
        console.log(
            `      pulumi up (${what}): ${((Date.now() - started) / 1000).toFixed(1)} s, ${JSON.stringify(result.summary.resourceChanges)}`,
        );
        return result;
    }

    before(async function () {
        tmp = tempDir("kr-pulumi-local-");
        const found = requireEngineAndCluster(this, tmp);
        if (!found) return;
        env = found;
        // A clean start: no namespace or volume left by an earlier run (their data stays on the node).
        kubectlResult(env, ["delete", "namespace", NAMESPACE, "--wait=true", "--timeout=120s"]);
        kubectlResult(env, ["delete", "pv", PV, "--wait=true", "--timeout=60s"]);
        kubectlResult(env, ["delete", "storageclass", STORAGE_CLASS]);
        volumeDir(NODE, VOLUME_DIR);
        // The other ordinals' volumes start empty: /var/local-volumes is the host's folder on every node.
        for (const { node, dir, pv } of SENTINEL_VOLUMES) {
            kubectlResult(env, ["delete", "pv", pv, "--wait=true", "--timeout=60s"]);
            fs.rmSync(dir, { recursive: true, force: true });
            volumeDir(node, dir);
        }
        test = await TestStack.create(REPO, "local", env, tmp);
    });

    after(async function () {
        if (test && !process.env.KR_KEEP_STACK) {
            await test.stack.destroy({ configFile: test.configFile }).catch((error) => console.warn(`destroy: ${error}`));
        }
        test?.restoreCommitted();
        if (env && !process.env.KR_KEEP_STACK) {
            // What destroy retains by design (whenDeleted: Retain), removed so that nothing is left.
            kubectlResult(env, ["delete", "namespace", NAMESPACE, "--wait=false"]);
            kubectlResult(env, ["delete", "pv", PV, "--wait=false"]);
            kubectlResult(env, ["delete", "storageclass", STORAGE_CLASS]);
            for (const { dir, pv } of SENTINEL_VOLUMES) {
                kubectlResult(env, ["delete", "pv", pv, "--wait=false"]);
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("a bad argument fails at preview with the package's message, and nothing is created", async () => {
        test.setConfig("persistence.size", "8GB", { path: true });
        try {
            await assert.rejects(test.stack.preview({ configFile: test.configFile }), (error: Error) => {
                assert.match(error.message, /Redis "redis": persistence\.size = "8GB" is not a Kubernetes quantity; use "8Gi"/);
                return true;
            });
        } finally {
            test.setConfig("persistence.size", "2Gi", { path: true });
        }
        assert.equal(kubectlResult(env, ["get", "namespace", NAMESPACE]).status, 1, "the namespace was not created");
        const state = await test.exportDecrypted();
        assert.equal((state.deployment.resources ?? []).length, 0, "no resource in the stack's state");
    });

    it("creates every rendered object as rendered; the pod becomes Ready", async () => {
        const started = Date.now();
        const result = await up("first");
        console.log(
            `      MEASURED pulumi up wall time, local stack, from nothing to Ready: ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        assert.equal(result.summary.result, "succeeded");
        const rendered = withAuthVersionFromState(await renderStack("local"), (await test.exportDecrypted()).deployment.resources);
        const found: string[] = [];
        for (const object of rendered) {
            const live = kubeGet(env, object.kind, object.metadata.name, object.metadata.namespace);
            assert.ok(live, `${object.kind} ${object.metadata.name} exists`);
            found.push(...differences(object, live, `${object.kind}/${object.metadata.name}`));
        }
        assert.deepEqual(found, [], "the live objects hold every rendered field");
        assert.ok(kubeGet(env, "secret", "redis-auth", NAMESPACE), "the password Secret exists (renderStack leaves Secrets out)");
        const ready = await waitFor("redis-0 Ready", 180, podReady);
        assert.equal(ready.spec.nodeName, NODE, "the local volume pins the pod");
    });

    it("exports `connection` as a secret, in state and in `stack output --show-secrets`; a real client connects", async () => {
        const outputs = await test.outputs();
        const { password } = outputs.connection.value;
        await withClient(password, async (client) => {
            assert.equal(await client.set("e2e:first", "1"), "OK");
            assert.equal(await client.get("e2e:first"), "1");
        });
        assert.equal(outputs.connection.secret, true);
        const shown = JSON.parse(test.cli(["stack", "output", "--show-secrets", "--json"], { config: false }));
        assert.equal(shown.connection.password, password);
        assert.equal(shown.connection.host, "redis.redis.svc.cluster.local");
        assert.match(test.cli(["stack", "output", "--json"], { config: false }), /"connection": "\[secret\]"/);
        // The Automation API's exportStack decrypts (stack export --show-secrets): read the state as stored.
        const resources = test.exportRaw().deployment.resources;
        const stackResource = resources.find((r: { type: string }) => r.type === "pulumi:pulumi:Stack");
        assert.equal(
            stackResource.outputs.connection["4dabf18193072939515e22adb298388d"],
            "1b47061264138c4ac30d75fd1eb44270",
            "a secret in state",
        );
        const plain = plainTextLocations(resources, password);
        if (plain.length > 0) console.log(`      DEFECT: the password in plain text in state at ${plain.join(", ")}`);
        assert.deepEqual(plain, [], "the password is nowhere in the state in plain text");
    });

    it("is idempotent: a second up changes nothing, preview --expect-no-changes passes, refresh finds no drift", async () => {
        const again = await up("second, unchanged");
        assert.deepEqual(changes(again), {});
        await test.stack.preview({ configFile: test.configFile, expectNoChanges: true });
        const refresh = await test.stack.refresh({ configFile: test.configFile });
        assert.deepEqual(changes(refresh), {}, `refresh: ${refresh.stdout}`);
        await test.stack.preview({ configFile: test.configFile, expectNoChanges: true });
    });

    it("a config change rolls the pod; the password stays the same", async () => {
        const before = await connection();
        const oldPod = await waitFor("redis-0 Ready", 60, podReady);
        test.setConfig('redisConfig["maxmemory-policy"]', "allkeys-lru", { path: true });
        const sts = kubeGet(env, "statefulset", "redis", NAMESPACE);
        const result = await up("maxmemory-policy");
        const rolled = await waitFor("a new Ready redis-0", 180, () => {
            const p = podReady();
            return p && p.metadata.uid !== oldPod.metadata.uid ? p : undefined;
        });
        assert.notEqual(
            rolled.metadata.annotations["kubernetes-redis.io/config-checksum"],
            oldPod.metadata.annotations["kubernetes-redis.io/config-checksum"],
        );
        assert.equal((await connection()).password, before.password, "an unrelated update keeps the password");
        await withClient(before.password, async (client) => {
            assert.deepEqual(await client.config("GET", "maxmemory-policy"), ["maxmemory-policy", "allkeys-lru"]);
            assert.equal(await client.get("e2e:first"), "1", "the data survived the roll");
        });
        // The provider replaces a ConfigMap whose data changes (its enableConfigMapMutable is off), and
        // with a fixed name it deletes the old one first; the StatefulSet is updated in place.
        assert.deepEqual(changes(result), { replace: 1, update: 1 }, result.stdout);
        assert.match(result.stdout, /kubernetes:core\/v1:ConfigMap redis-config replaced/);
        assert.equal(kubeGet(env, "statefulset", "redis", NAMESPACE).metadata.uid, sts.metadata.uid, "the StatefulSet is not replaced");
    });

    it("a password change rolls the pod (auth-version changes); the new password works, the old gets WRONGPASS", async () => {
        const old = (await connection()).password;
        const oldPod = await waitFor("redis-0 Ready", 60, podReady);
        const fresh = "e2e-rotated-" + Date.now().toString(36);
        test.setConfig("password", fresh, { secret: true });
        const result = await up("password");
        console.log(`      password change: ${JSON.stringify(result.summary.resourceChanges)} ${steps(result.stdout)}`);
        const rolled = await waitFor("a new Ready redis-0", 180, () => {
            const p = podReady();
            return p && p.metadata.uid !== oldPod.metadata.uid ? p : undefined;
        });
        assert.notEqual(
            rolled.metadata.annotations["kubernetes-redis.io/auth-version"],
            oldPod.metadata.annotations["kubernetes-redis.io/auth-version"],
        );
        assert.equal((await connection()).password, fresh);
        await withClient(fresh, async (client) => assert.equal(await client.get("e2e:first"), "1"));
        // A client without a password, then AUTH with the old one: the server's own answer.
        await withClient("", async (client) => assert.rejects(client.call("AUTH", old), /WRONGPASS/));
    });

    it("growing persistence.size patches the claim, never replaces the StatefulSet (record what the API server says)", async () => {
        const sts = kubeGet(env, "statefulset", "redis", NAMESPACE);
        test.setConfig("persistence.size", "3Gi", { path: true });
        let outcome: string;
        try {
            const result = await up("persistence.size 2Gi -> 3Gi");
            outcome = `succeeded: ${JSON.stringify(result.summary.resourceChanges)}`;
        } catch (error) {
            const message = (error as Error).message;
            const header = message.indexOf("kubernetes:core/v1:PersistentVolumeClaim (redis-claim-0):");
            outcome = `failed: ${message.slice(header, header + 700).replace(/\s+/g, " ")}`;
        }
        const pvc = kubeGet(env, "pvc", "data-redis-0", NAMESPACE);
        console.log(`      RECORDED resize: pulumi up ${outcome}`);
        console.log(
            `      RECORDED resize: claim spec.resources.requests.storage=${pvc.spec.resources.requests.storage}, status.capacity.storage=${pvc.status.capacity?.storage}, conditions=${JSON.stringify(pvc.status.conditions ?? [])}`,
        );
        const after = kubeGet(env, "statefulset", "redis", NAMESPACE);
        assert.equal(after.metadata.uid, sts.metadata.uid, "the StatefulSet was not replaced");
        assert.deepEqual(after.spec.volumeClaimTemplates, sts.spec.volumeClaimTemplates, "its claim template is untouched");
        // Back to the size the volume has, so that the next steps start from a clean update.
        test.setConfig("persistence.size", "2Gi", { path: true });
        const back = await up("persistence.size back to 2Gi");
        console.log(`      RECORDED resize back: ${JSON.stringify(back.summary.resourceChanges)} ${steps(back.stdout)}`);
    });

    it("auth.existingSecret uses a Secret created outside the stack", async () => {
        const external = "e2e-external-" + Date.now().toString(36);
        kubectl(env, ["-n", NAMESPACE, "create", "secret", "generic", "outside-auth", `--from-literal=password=${external}`]);
        test.removeConfig("password");
        test.setConfig("existingSecret.name", "outside-auth", { path: true });
        const result = await up("existingSecret");
        console.log(`      existingSecret: ${JSON.stringify(result.summary.resourceChanges)} ${steps(result.stdout)}`);
        const c = await connection();
        assert.equal(c.password, external);
        assert.equal((await test.outputs()).passwordSecretName.value, "outside-auth");
        assert.equal(kubectlResult(env, ["-n", NAMESPACE, "get", "secret", "redis-auth"]).status, 1, "the component's own Secret is gone");
        await waitFor("redis-0 with the outside password", 180, () => {
            const p = podReady();
            return p?.spec.volumes.some((v: { secret?: { secretName: string } }) => v.secret?.secretName === "outside-auth")
                ? p
                : undefined;
        });
        await withClient(external, async (client) => assert.equal(await client.get("e2e:first"), "1"));
        await up("existingSecret, again").then((again) => assert.deepEqual(changes(again), {}));
        const refresh = await test.stack.refresh({ configFile: test.configFile });
        const drift = refresh.stdout.split("\n").filter((line) => / updated .*\[diff/.test(line));
        console.log(`      RECORDED refresh with existingSecret: ${JSON.stringify(changes(refresh))} ${drift.join(" | ")}`);
    });

    it("destroy removes what README says, keeps the namespace, claim, volume and data; a new up finds the data", async () => {
        const { password } = await connection();
        await withClient(password, async (client) => {
            await client.set("e2e:kept", "across destroy");
            await client.call("SAVE");
        });
        const pvBefore = kubeGet(env, "pv", PV);
        const pvcBefore = kubeGet(env, "pvc", "data-redis-0", NAMESPACE);
        const destroyed = await test.stack.destroy({ configFile: test.configFile });
        console.log(`      destroy: ${JSON.stringify(destroyed.summary.resourceChanges)} ${steps(destroyed.stdout)}`);
        for (const [kind, name] of [
            ["statefulset", "redis"],
            ["configmap", "redis-config"],
            ["service", "redis"],
            ["service", "redis-headless"],
        ]) {
            assert.equal(kubectlResult(env, ["-n", NAMESPACE, "get", kind, name]).status, 1, `${kind} ${name} deleted`);
        }
        assert.ok(kubeGet(env, "namespace", NAMESPACE), "the namespace is kept (retainOnDelete)");
        assert.equal(kubeGet(env, "pvc", "data-redis-0", NAMESPACE)?.status.phase, "Bound", "the claim is kept, still bound");
        assert.equal(kubeGet(env, "pv", PV)?.metadata.uid, pvBefore.metadata.uid, "the PersistentVolume is kept");
        assert.ok(kubeGet(env, "secret", "outside-auth", NAMESPACE), "the outside Secret is not the stack's");

        const again = await up("after destroy, retained objects present");
        console.log(
            `      RECORDED up after destroy: ${JSON.stringify(again.summary.resourceChanges)}; the same claim (uid) ${kubeGet(env, "pvc", "data-redis-0", NAMESPACE).metadata.uid === pvcBefore.metadata.uid}, the same PV ${kubeGet(env, "pv", PV).metadata.uid === pvBefore.metadata.uid}; ${steps(again.stdout)}`,
        );
        await withClient(password, async (client) => assert.equal(await client.get("e2e:kept"), "across destroy"));
        const refresh = await test.stack.refresh({ configFile: test.configFile });
        const drift = refresh.stdout.split("\n").filter((line) => / updated .*\[diff/.test(line));
        console.log(`      RECORDED first refresh after the re-up: ${JSON.stringify(changes(refresh))} ${drift.join(" | ")}`);
        const second = await test.stack.refresh({ configFile: test.configFile });
        assert.deepEqual(changes(second), {}, `a second refresh finds nothing: ${second.stdout}`);
    });

    it("a change to mode sentinel replaces the StatefulSet through up (the provider's preview refuses it); the claim and the data stay, on the master", async () => {
        const { password } = await connection();
        await withClient(password, async (client) => {
            await client.set("e2e:before-sentinel", "kept");
            await client.call("SAVE");
        });
        const claimBefore = kubeGet(env, "pvc", "data-redis-0", NAMESPACE).metadata.uid;
        test.setConfig("mode", "sentinel");
        test.setConfig("sentinel.kubectlImage", IMAGES.kubectl, { path: true });
        for (const [index, { node }] of SENTINEL_VOLUMES.entries()) {
            test.setConfig(`persistence.localVolumes.nodeNames[${index + 1}]`, node, { path: true });
        }
        const refused = await test.stack.preview({ configFile: test.configFile }).then(
            () => "",
            (error: Error) => error.message,
        );
        const reason = refused.split("\n").find((line) => /error: Preview failed/.test(line)) ?? refused.slice(0, 400);
        console.log(`      RECORDED preview of the mode change: ${reason.trim()}`);
        // README tells users to skip the preview for this change: the provider's dry run of the
        // replacement meets the StatefulSet's immutable spec. A provider that previews it lets this fail.
        assert.match(refused, /updates to statefulset spec for fields other than/);

        const result = await up("mode standalone -> sentinel");
        console.log(`      RECORDED mode change: ${steps(result.stdout)}`);
        assert.match(steps(result.stdout), /StatefulSet redis-statefulset replaced/);
        assert.equal(kubeGet(env, "pvc", "data-redis-0", NAMESPACE).metadata.uid, claimBefore, "the claim of pod 0 is the same");
        const roles: string[] = [];
        const reconnects: string[] = [];
        for (const name of ["redis-0", "redis-1", "redis-2"]) {
            const role = await withClient(
                password,
                async (client) => {
                    let closed = 0;
                    client.on("close", () => closed++);
                    await waitFor(`the key written before the change on ${name}`, 60, async () =>
                        (await client.get("e2e:before-sentinel")) === "kept" ? true : undefined,
                    );
                    reconnects.push(`${name} ${closed}`);
                    return String(((await client.call("ROLE")) as unknown[])[0]);
                },
                name,
                true,
            );
            roles.push(`${name} ${role}`);
        }
        console.log(
            `      RECORDED roles after the change: ${roles.join(", ")}; connections the servers closed meanwhile: ${reconnects.join(", ")}`,
        );
        // No Sentinel names a master yet: the first pod, the one with the data, is the master (README).
        assert.deepEqual(roles, ["redis-0 master", "redis-1 slave", "redis-2 slave"]);

        // Growing creates two pods' Services, whose addresses the pods' hostAliases take: in a
        // preview every new Service gets the same placeholder address from its dry run, which must
        // still pass (hostAliasEntries merges host names that share an address).
        test.setConfig("replicas", "5");
        try {
            const preview = await test.stack.preview({ configFile: test.configFile });
            console.log(`      RECORDED preview of replicas 3 -> 5: ${JSON.stringify(preview.changeSummary)}`);
            assert.match(preview.stdout, /StatefulSet redis-statefulset update/, "the StatefulSet is updated in place");
            assert.match(preview.stdout, /Service redis-pod-service-4 create/, "the new pods' Services are created");
        } finally {
            test.removeConfig("replicas");
        }
    });
});
