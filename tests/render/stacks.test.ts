import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as YAML from "yaml";
import { deployStack } from "../../stack";
import { isSecret, runWithMocks } from "../../tools/pulumi-mocks";
import { KubeObject, renderStack, toYaml } from "../../tools/render";
import { loadStackConfig, REPO_ROOT, stackNames } from "../../tools/stack-config";
import { apiServerViolations, schemaErrors } from "../support/kube-validation";
import { Loose } from "../support/loose";

const STACKS = ["aws", "azure", "gcp", "local"];
const find = (objects: KubeObject[], kind: string, name?: string): Loose =>
    objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

describe("stacks: every Pulumi.<stack>.yaml", () => {
    it("has the four cloud stacks", () => {
        assert.deepEqual(stackNames(), STACKS);
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            let objects: KubeObject[];
            before(async () => {
                objects = await renderStack(stack, { showSecrets: true });
            });

            it("renders objects valid against the Kubernetes OpenAPI schema", () => {
                assert.ok(objects.length >= 5);
                assert.deepEqual(objects.flatMap(schemaErrors), []);
            });

            it("renders nothing the API server or restricted Pod Security admission would refuse", () => {
                assert.deepEqual(apiServerViolations(objects), []);
            });

            it("keeps the password in the Secret only", () => {
                const secret = find(objects, "Secret");
                const password = secret.stringData.password;
                assert.match(password, /^[A-Za-z0-9]{40}$/);
                for (const object of objects.filter((o) => o.kind !== "Secret")) {
                    assert.ok(!JSON.stringify(object).includes(password), `${object.kind}/${object.metadata.name} holds the password`);
                }
            });

            it("exports a secret connection for StackReference consumers", async () => {
                const { project, config, secretKeys } = loadStackConfig(stack);
                let outputs: ReturnType<typeof deployStack> | undefined;
                const run = await runWithMocks({ project, stack, config, secretKeys }, () => (outputs = deployStack()));
                const connection = run.exports.connection as Loose;
                assert.equal(await isSecret(outputs?.connection), true);
                assert.equal(connection.host, `redis.${connection.namespace}.svc.cluster.local`);
                assert.equal(connection.port, 6379);
                assert.equal(connection.url, `redis://:${connection.password}@${connection.host}:6379`);
                assert.equal(connection.passwordSecretName, "redis-auth");
            });
        });
    }

    it("aws: gp3 volumes and an internal NLB limited to the VPC", async () => {
        const objects = await renderStack("aws");
        assert.equal(find(objects, "StorageClass").parameters.type, "gp3");
        assert.equal(find(objects, "PersistentVolumeClaim").spec.storageClassName, find(objects, "StorageClass").metadata.name);
        const client = find(objects, "Service", "redis");
        assert.equal(client.spec.type, "LoadBalancer");
        assert.equal(client.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
        assert.deepEqual(client.spec.loadBalancerSourceRanges, ["10.0.0.0/8"]);
    });

    it("gcp: SSD persistent disks and LRU eviction", async () => {
        const objects = await renderStack("gcp");
        assert.equal(find(objects, "PersistentVolumeClaim").spec.storageClassName, "premium-rwo");
        assert.match(find(objects, "ConfigMap").data["redis.conf"], /^maxmemory-policy allkeys-lru$/m);
        assert.equal(find(objects, "Service", "redis").spec.type, "ClusterIP");
    });

    it("azure: managed-csi volumes and an internal load balancer", async () => {
        const objects = await renderStack("azure");
        assert.equal(find(objects, "StatefulSet").spec.volumeClaimTemplates[0].spec.storageClassName, "managed-csi");
        assert.equal(
            find(objects, "Service", "redis").metadata.annotations["service.beta.kubernetes.io/azure-load-balancer-internal"],
            "true",
        );
    });

    it("local: a static local PersistentVolume bound to the pod's claim on the kind node", async () => {
        const objects = await renderStack("local");
        const pv = find(objects, "PersistentVolume");
        assert.equal(pv.spec.claimRef.name, "data-redis-0");
        assert.equal(pv.spec.claimRef.namespace, "redis");
        assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values, ["kr-node-1"]);
        assert.equal(pv.spec.storageClassName, find(objects, "StatefulSet").spec.volumeClaimTemplates[0].spec.storageClassName);
        assert.match(find(objects, "ConfigMap").data["redis.conf"], /^maxmemory 187695104$/m, "70% of the 256Mi limit, in whole MiB");
    });

    it("rejects a stack config key the program does not know", async () => {
        const { project, config } = loadStackConfig("local");
        await assert.rejects(
            runWithMocks({ project, stack: "local", config: { ...config, [`${project}:persistance`]: "{}" } }, deployStack),
            /stack config kubernetes-redis:persistance is not a setting of this program; the accepted keys are/,
        );
    });
});

describe("API-server rules catch what the schema lets through", () => {
    it("refuses a local PersistentVolume without node affinity, though the schema accepts it", async () => {
        const objects = await renderStack("local");
        const pv = structuredClone(find(objects, "PersistentVolume"));
        delete pv.spec.nodeAffinity;
        assert.deepEqual(schemaErrors(pv), []);
        assert.deepEqual(apiServerViolations([pv]), [
            `PersistentVolume/${pv.metadata.name}: spec.nodeAffinity: Required value: Local volume requires node affinity`,
        ]);
    });

    it("refuses a pod that Pod Security 'restricted' would reject, and a Service that selects nothing", async () => {
        const objects = structuredClone(await renderStack("aws")) as Loose[];
        const sts = find(objects, "StatefulSet");
        sts.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
        find(objects, "Service", "redis").spec.selector = { app: "other" };
        const problems = apiServerViolations(objects);
        assert.ok(
            problems.some((p) => /allowPrivilegeEscalation != false/.test(p)),
            problems.join("\n"),
        );
        assert.ok(
            problems.some((p) => /Service\/redis: spec.selector matches no pod template/.test(p)),
            problems.join("\n"),
        );
    });

    it("refuses what the OpenAPI schema forbids", () => {
        assert.equal(
            schemaErrors({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "x" }, spec: { accessModes: "ReadWriteOnce" } })
                .length,
            1,
        );
    });
});

describe("render", () => {
    it("leaves Secrets out unless asked, so that no placeholder password can be applied", async () => {
        assert.deepEqual(
            (await renderStack("aws")).filter((object) => object.kind === "Secret"),
            [],
        );
        assert.match(find(await renderStack("aws", { showSecrets: true }), "Secret").stringData.password, /^[A-Za-z0-9]{40}$/);
    });

    it("prints only YAML on stdout, as README's `npm run -s render ... | kubectl apply -f -` needs", function () {
        this.timeout(60000);
        const result = spawnSync("npm", ["run", "-s", "render", "--", "--stack", "gcp"], { cwd: REPO_ROOT, encoding: "utf8" });
        assert.equal(result.status, 0, result.stderr);
        const documents = YAML.parseAllDocuments(result.stdout).map((d) => d.toJS());
        assert.deepEqual(
            documents.map((d) => d.kind),
            ["Namespace", "PersistentVolumeClaim", "ConfigMap", "Service", "Service", "StatefulSet"],
        );
        assert.deepEqual(documents.flatMap(schemaErrors), []);
        assert.match(result.stderr, /Secrets are left out/);
    });

    it("fails clearly on an unknown stack", function () {
        this.timeout(60000);
        assert.throws(
            () =>
                execFileSync("npm", ["run", "-s", "render", "--", "--stack", "mars"], {
                    cwd: REPO_ROOT,
                    encoding: "utf8",
                    stdio: ["ignore", "pipe", "pipe"],
                }),
            (error: Loose) => /no stack "mars".*the stacks are: aws, azure, gcp, local/.test(error.stderr),
        );
    });

    it("round-trips through YAML without losing a field", async () => {
        const objects = await renderStack("local", { showSecrets: true });
        assert.deepEqual(
            YAML.parseAllDocuments(toYaml(objects)).map((d) => d.toJS()),
            objects,
        );
    });
});
