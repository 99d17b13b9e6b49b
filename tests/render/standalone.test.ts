import { strict as assert } from "assert";
import { RedisArgs } from "../../sdk/api/args";
import { directiveTableFor } from "../../sdk/core/checks/directives";
import { resolveSettings } from "../../sdk/core/settings";
import { renderRedisConf } from "../../sdk/render/conf/redis-conf";
import { Rendered, renderDeployment } from "../../sdk/render";
import { Loose } from "../support/loose";

const VALUES = { password: "not-a-real-password", authVersion: "0123456789abcdef" };

function render(args: RedisArgs, name = "cache"): Map<string, Rendered> {
    return new Map(renderDeployment(resolveSettings(name, args), VALUES).map((entry) => [entry.key, entry]));
}

const field = (entry: Rendered | undefined) => entry?.object as Loose;

describe("render: the standalone topology's objects and how they are registered", () => {
    it("runs the engine's own binaries from its image: valkey-server and valkey-cli for valkey", () => {
        for (const [args, image, server, cli] of [
            [{}, "docker.io/library/redis:8.0.2-bookworm", "redis-server", "redis-cli"],
            [{ engine: "valkey" }, "docker.io/valkey/valkey:8.1.1-bookworm", "valkey-server", "valkey-cli"],
            [
                { image: "localhost/kubernetes-redis/valkey:8.1.1-trixie" },
                "localhost/kubernetes-redis/valkey:8.1.1-trixie",
                "valkey-server",
                "valkey-cli",
            ],
        ] as [RedisArgs, string, string, string][]) {
            const [container] = field(render(args).get("statefulset")).spec.template.spec.containers;
            assert.equal(container.image, image);
            const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
            assert.deepEqual([env.ENGINE_SERVER, env.ENGINE_CLI], [server, cli], JSON.stringify(args));
        }
    });

    it("renders only directives that every supported engine version knows: one redis.conf for redis 7.0, 8.0 and valkey 8.1", () => {
        for (const args of [{}, { engine: "valkey" }, { image: "redis:7.0.15" }, { persistence: { enabled: false } }] as RedisArgs[]) {
            const settings = resolveSettings("cache", args);
            const table = directiveTableFor(settings.engine.target);
            const names = renderRedisConf(settings)
                .split("\n")
                .filter((line) => line.trim() !== "" && !line.startsWith("#"))
                .map((line) => line.split(" ")[0]);
            // The start script's auth.conf.
            names.push("requirepass", "masterauth");
            const unknown = names.filter((name) => !table.parameters.includes(name) && !table.fileOnly.includes(name));
            assert.deepEqual(unknown, [], `${table.engine} ${table.version}`);
        }
    });

    it("rolls the pod when the default image changes with the engine, as with any change of the pod template", () => {
        const redis = field(render({}).get("statefulset")).spec.template;
        const valkey = field(render({ engine: "valkey" }).get("statefulset")).spec.template;
        assert.notEqual(redis.spec.containers[0].image, valkey.spec.containers[0].image);
        // The scripts' environment names the binaries: the ConfigMap and redis.conf stay the same.
        const data = field(render({}).get("config")).data;
        assert.ok(data["redis.conf"]);
        assert.deepEqual(field(render({ engine: "valkey" }).get("config")).data, data);
    });

    it("owns one data claim per ordinal, under the name the StatefulSet controller adopts", () => {
        const rendered = render({ namespace: "team-a", persistence: { size: "20Gi", storageClassName: "premium-rwo" } });
        const claim = field(rendered.get("claim-0"));
        const sts = field(rendered.get("statefulset"));
        assert.equal(claim.metadata.name, `${sts.spec.volumeClaimTemplates[0].metadata.name}-${sts.metadata.name}-0`);
        assert.equal(claim.metadata.namespace, "team-a");
        assert.deepEqual(claim.metadata.labels, sts.spec.volumeClaimTemplates[0].metadata.labels);
        assert.deepEqual(claim.spec, {
            accessModes: ["ReadWriteOnce"],
            storageClassName: "premium-rwo",
            resources: { requests: { storage: "20Gi" } },
        });
        assert.ok(rendered.get("statefulset")?.after.includes("claim-0"), "the claim exists before the controller looks for it");
    });

    it("grows a volume by resizing the claim, never by touching the StatefulSet's claim template", () => {
        const before = render({ persistence: { size: "8Gi" } });
        const after = render({ persistence: { size: "16Gi" } });
        assert.equal(field(after.get("claim-0")).spec.resources.requests.storage, "16Gi");
        assert.deepEqual(after.get("statefulset")?.ignoreChanges, ["spec.volumeClaimTemplates"]);
        const withoutTemplates = (entry: Rendered | undefined) => ({ ...field(entry).spec, volumeClaimTemplates: undefined });
        assert.deepEqual(withoutTemplates(after.get("statefulset")), withoutTemplates(before.get("statefulset")));
        assert.equal(after.get("claim-0")?.replaceFirst, undefined, "a claim is updated in place, never replaced");
    });

    it("never lets the StatefulSet's deletion or replacement take a claim; whenDeleted is the component's", () => {
        for (const whenDeleted of ["Retain", "Delete"] as const) {
            const rendered = render({ persistence: { whenDeleted, whenScaled: "Delete" } });
            assert.deepEqual(field(rendered.get("statefulset")).spec.persistentVolumeClaimRetentionPolicy, {
                whenDeleted: "Retain",
                whenScaled: "Delete",
            });
            assert.equal(rendered.get("claim-0")?.retainOnDelete, whenDeleted === "Retain");
        }
    });

    it("leaves a changed storage class to claims created later, as documented", () => {
        const rendered = render({ persistence: { storageClassName: "fast" } });
        assert.deepEqual(rendered.get("claim-0")?.ignoreChanges, ["spec.storageClassName", "spec.volumeName"]);
    });

    it("retains a local volume with its retained claim, so that destroy does not wait on pv-protection", () => {
        const local = { path: "/var/local-volumes", nodeNames: ["node-1"] };
        assert.equal(render({ persistence: { localVolumes: local } }).get("data-0")?.retainOnDelete, true);
        assert.equal(render({ persistence: { localVolumes: local, whenDeleted: "Delete" } }).get("data-0")?.retainOnDelete, false);
        assert.deepEqual(render({ persistence: { localVolumes: local } }).get("claim-0")?.after, ["storage-class", "data-0"]);
        assert.deepEqual(
            render({ persistence: { localVolumes: local } }).get("data-0")?.ignoreChanges,
            ["spec.capacity"],
            "a local disk cannot grow",
        );
    });

    it("owns no claim for a cache", () => {
        assert.deepEqual(
            [...render({ persistence: { enabled: false } }).keys()].filter((key) => key.startsWith("claim")),
            [],
        );
    });

    it("rolls the pods on a new password through the auth version, and puts the password only into the Secret", () => {
        const rendered = render({});
        const annotations = field(rendered.get("statefulset")).spec.template.metadata.annotations;
        assert.equal(annotations["kubernetes-redis.io/auth-version"], VALUES.authVersion);
        for (const [key, entry] of rendered) {
            assert.equal(JSON.stringify(entry.object).includes(VALUES.password), key === "auth", key);
        }
    });
});

describe("render: a StorageClass of the deployment's own, when asked", () => {
    it("creates the preset's expandable class under a cluster-unique name and uses it for the claims", () => {
        const rendered = render({ namespace: "team-a", cloud: "aws", persistence: { createStorageClass: true } });
        const storageClass = field(rendered.get("storage-class"));
        assert.equal(storageClass.metadata.name, "team-a-cache-data");
        assert.equal(storageClass.provisioner, "ebs.csi.aws.com");
        assert.deepEqual(storageClass.parameters, { type: "gp3", encrypted: "true" });
        assert.equal(storageClass.allowVolumeExpansion, true);
        assert.equal(storageClass.reclaimPolicy, "Retain");
        assert.equal(field(rendered.get("claim-0")).spec.storageClassName, "team-a-cache-data");
        assert.ok(rendered.get("claim-0")?.after.includes("storage-class"));
    });

    it("creates none unless asked", () => {
        assert.equal(render({ cloud: "aws" }).get("storage-class"), undefined);
    });
});
