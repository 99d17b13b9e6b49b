import { strict as assert } from "assert";
import { localStackLines } from "../../tools/local-stack";
import { renderRedis, renderStack } from "../../tools/render";

describe("local stack: what local-up prepares and local-down removes, read from the render", function () {
    this.timeout(30000);

    it("stack local: the namespace, its class, one volume directory on kr-node-1 owned by the pods' user, its volume and claim", async () => {
        assert.deepEqual(localStackLines(await renderStack("local")), [
            "namespace redis",
            "storageclass redis-redis-data",
            "volume-dir kr-node-1 /var/local-volumes/redis-redis-0 999",
            "persistentvolume redis-redis-data-0",
            "claim redis data-redis-0",
        ]);
    });

    it("mode sentinel on three nodes: a directory per ordinal on its node", async () => {
        const objects = await renderRedis("cache", {
            mode: "sentinel",
            namespace: "apps",
            persistence: { localVolumes: { path: "/srv/redis", nodeNames: ["kr-node-1", "kr-node-2", "kr-node-3"] } },
        });
        const lines = localStackLines(objects);
        assert.deepEqual(
            lines.filter((line) => line.startsWith("volume-dir")),
            [0, 1, 2].map((ordinal) => `volume-dir kr-node-${ordinal + 1} /srv/redis/apps-cache-${ordinal} 999`),
        );
        assert.deepEqual(
            lines.filter((line) => line.startsWith("claim")),
            [0, 1, 2].map((ordinal) => `claim apps data-cache-${ordinal}`),
        );
        assert.ok(!lines.some((line) => line.startsWith("namespace")), "a namespace the stack does not create is never listed");
    });

    it("a class-provisioned stack needs no directory: its class (created on EKS) and its claim", async () => {
        assert.deepEqual(
            localStackLines(await renderStack("aws")).filter((line) => !line.startsWith("namespace")),
            ["storageclass data-redis-data", "claim data data-redis-0"],
        );
    });
});
