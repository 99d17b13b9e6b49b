import { strict as assert } from "assert";
import { deployedObjects, localStackLines } from "../../tools/local-stack";
import { renderRedis, renderStack } from "../../tools/render";

/** One line of tools/local-stack.ts: its fields, tab-separated. */
const line = (...fields: (string | number)[]): string => fields.join("\t");

describe("local stack: what local-up prepares and local-down removes", function () {
    this.timeout(30000);

    it("stack local: the namespace, its class, one volume directory on kr-node-1 owned by the pods' user, its volume and claim", async () => {
        assert.deepEqual(localStackLines(await renderStack("local")), [
            line("namespace", "redis"),
            line("storageclass", "redis-redis-data"),
            line("volume-dir", "kr-node-1", "/var/local-volumes/redis-redis-0", 999),
            line("persistentvolume", "redis-redis-data-0"),
            line("claim", "redis", "data-redis-0"),
        ]);
    });

    it("mode sentinel on three nodes: a directory per ordinal on its node, every volume and claim", async () => {
        const objects = await renderRedis("cache", {
            mode: "sentinel",
            namespace: "apps",
            persistence: { localVolumes: { path: "/srv/redis", nodeNames: ["kr-node-1", "kr-node-2", "kr-node-3"] } },
        });
        assert.deepEqual(localStackLines(objects), [
            line("storageclass", "apps-cache-data"),
            ...[0, 1, 2].flatMap((ordinal) => [
                line("volume-dir", `kr-node-${ordinal + 1}`, `/srv/redis/apps-cache-${ordinal}`, 999),
                line("persistentvolume", `apps-cache-data-${ordinal}`),
            ]),
            ...[0, 1, 2].map((ordinal) => line("claim", "apps", `data-cache-${ordinal}`)),
        ]);
    });

    it("a class-provisioned stack needs no directory: its namespace, its class (created on EKS) and its claim", async () => {
        assert.deepEqual(localStackLines(await renderStack("aws")), [
            line("namespace", "data"),
            line("storageclass", "data-redis-data"),
            line("claim", "data", "data-redis-0"),
        ]);
    });

    it("from a stack's state: the live objects of its Kubernetes resources, nothing else", async () => {
        const rendered = await renderStack("local");
        const exported = {
            deployment: {
                resources: [
                    { type: "pulumi:pulumi:Stack", outputs: { connection: "[secret]" } },
                    { type: "random:index/randomPassword:RandomPassword", outputs: { length: 32 } },
                    ...rendered.map((object) => ({ type: `kubernetes:${object.apiVersion}:${object.kind}`, outputs: object })),
                    { type: "kubernetes:core/v1:Secret", outputs: undefined },
                ],
            },
        };
        assert.deepEqual(localStackLines(deployedObjects(exported)), localStackLines(rendered));
    });
});
