import { strict as assert } from "assert";
import { CONSUMER_REFERENCE, loadExample, runExample } from "../../tools/golden";
import { isSecret, runWithMocks } from "../../tools/pulumi-mocks";
import { apiServerViolations, schemaErrors } from "../support/kube-validation";
import { Loose } from "../support/loose";

describe("examples", function () {
    this.timeout(30000);

    it("basic: the smallest program deploys Redis through the published package and exports a secret connection", async () => {
        let program: Record<string, unknown> = {};
        const run = await runWithMocks({ project: "redis-basic", stack: "dev" }, () => (program = loadExample("basic")));
        assert.ok(run.resources.some((r) => r.type === "kubernetes-redis:index:Redis"));
        assert.ok(run.resources.some((r) => r.type === "kubernetes:apps/v1:StatefulSet"));
        assert.equal(await isSecret(program.connection), true);
        assert.equal((run.exports.connection as Loose).host, "cache.default.svc.cluster.local");
    });

    describe("consumer: reads the connection through a StackReference", () => {
        const connection = CONSUMER_REFERENCE.connection;
        let run: Awaited<ReturnType<typeof runWithMocks>>;
        let objects: Loose[];

        before(async () => {
            run = await runExample("consumer");
            objects = run.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.inputs);
        });

        it("references the configured Redis stack", () => {
            const reference = run.resources.find((r) => r.type === "pulumi:pulumi:StackReference");
            assert.equal(reference?.name, CONSUMER_REFERENCE.stack);
            assert.equal(run.exports.redisHost, connection.host);
        });

        it("copies the connection into a Secret of its own namespace, marked secret", () => {
            const secret = objects.find((o) => o.kind === "Secret");
            assert.equal(secret.metadata.namespace, "app");
            assert.equal(secret.stringData.REDISCLI_AUTH, connection.password);
            assert.equal(secret.stringData.REDIS_URL, connection.url);
            const recorded = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret");
            assert.deepEqual(recorded?.secretPaths, ["stringData"]);
        });

        it("gives the application its settings from that Secret, never as literal values", () => {
            const deployment = objects.find((o) => o.kind === "Deployment");
            const env = deployment.spec.template.spec.containers[0].env;
            assert.ok(env.every((e: Loose) => e.valueFrom.secretKeyRef.name === "app-redis"));
            for (const object of objects.filter((o) => o.kind !== "Secret")) {
                assert.ok(!JSON.stringify(object).includes(connection.password), `${object.kind} holds the password`);
            }
        });

        it("renders valid objects", () => {
            assert.deepEqual(objects.flatMap(schemaErrors), []);
            assert.deepEqual(apiServerViolations(objects), []);
        });
    });
});
