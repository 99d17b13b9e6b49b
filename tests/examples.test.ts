import { strict as assert } from "assert";
import * as path from "path";
import { isSecret, runWithMocks } from "../tools/pulumi-mocks";
import { apiServerViolations, schemaErrors } from "./support/kube-validation";

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const EXAMPLES = path.join(__dirname, "..", "examples");

/** Loads an example program afresh, as `pulumi up` would run it. */
function loadProgram(example: string): Record<string, unknown> {
    const file = require.resolve(path.join(EXAMPLES, example, "index.ts"));
    delete require.cache[file];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file);
}

describe("examples", function () {
    this.timeout(30000);

    it("basic: the smallest program deploys Redis through the published package and exports a secret connection", async () => {
        let program: Record<string, unknown> = {};
        const run = await runWithMocks({ project: "redis-basic", stack: "dev" }, () => (program = loadProgram("basic")));
        assert.ok(run.resources.some((r) => r.type === "kubernetes-redis:index:Redis"));
        assert.ok(run.resources.some((r) => r.type === "kubernetes:apps/v1:StatefulSet"));
        assert.equal(await isSecret(program.connection), true);
        assert.equal((run.exports.connection as Any).host, "cache.default.svc.cluster.local");
    });

    describe("consumer: reads the connection through a StackReference", () => {
        const connection = {
            host: "redis.data.svc.cluster.local", port: 6379, password: "From-The-Redis-Stack-0123456789abcdefghij",
            url: "redis://:From-The-Redis-Stack-0123456789abcdefghij@redis.data.svc.cluster.local:6379",
            namespace: "data", passwordSecretName: "redis-auth", passwordSecretKey: "password",
        };
        let run: Awaited<ReturnType<typeof runWithMocks>>;
        let objects: Any[];

        before(async () => {
            run = await runWithMocks({
                project: "redis-consumer", stack: "dev",
                config: { "redis-consumer:redisStack": "acme/kubernetes-redis/aws" },
                reads: { "pulumi:pulumi:StackReference": { outputs: { connection }, secretOutputNames: ["connection"] } },
            }, () => loadProgram("consumer"));
            objects = run.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.inputs);
        });

        it("references the configured Redis stack", () => {
            const reference = run.resources.find((r) => r.type === "pulumi:pulumi:StackReference");
            assert.equal(reference?.name, "acme/kubernetes-redis/aws");
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
            assert.ok(env.every((e: Any) => e.valueFrom.secretKeyRef.name === "app-redis"));
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
