import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { Emulator, leftovers } from "./index";
import { requireEmulatorHost } from "./testing/guard";
import { configMap, recordingLog, redisContainer, secret, statefulSet } from "./testing/fixtures";

const HOST_PATHS = ["/data", "/scratch", "/scratch-ro", "/work-sub", "/etc/redis", "/etc/full", "/etc/auth", "/etc/extra.txt", "/run/app"];

const config = (extra: string) =>
    configMap("conf", { "redis.conf": "maxmemory 10mb\n", "extra.txt": extra, "script.sh": "#!/bin/sh\necho hi from script\n" });

const volumesStatefulSet = statefulSet({
    name: "vol",
    claims: ["data"],
    podSpec: { securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000] } },
    volumes: [
        {
            name: "config",
            configMap: {
                name: "conf",
                defaultMode: 0o440,
                items: [
                    { key: "redis.conf", path: "redis.conf" },
                    { key: "script.sh", path: "bin/script.sh", mode: 0o755 },
                ],
            },
        },
        { name: "full", configMap: { name: "conf" } },
        { name: "auth", secret: { secretName: "auth", defaultMode: 0o400 } },
        { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
        { name: "scratch", emptyDir: {} },
    ],
    containers: [
        redisContainer(
            {
                securityContext: { runAsUser: 1001, readOnlyRootFilesystem: true },
                volumeMounts: [
                    { name: "config", mountPath: "/etc/redis", readOnly: true },
                    { name: "full", mountPath: "/etc/full" },
                    { name: "full", mountPath: "/etc/extra.txt", subPath: "extra.txt" },
                    { name: "auth", mountPath: "/etc/auth" },
                    { name: "run", mountPath: "/run/app" },
                    { name: "scratch", mountPath: "/scratch" },
                    { name: "scratch", mountPath: "/scratch-ro", readOnly: true },
                    { name: "scratch", mountPath: "/work-sub", subPath: "sub/dir" },
                    { name: "data", mountPath: "/data" },
                ],
            },
            ["--dir", "/data", "--appendonly", "yes", "--appendfsync", "always"],
        ),
    ],
});

describe("pod emulator: volumes at the containers paths", function () {
    this.timeout(30000);
    let emulator: Emulator;
    const hostPathsBefore = HOST_PATHS.filter((p) => fs.existsSync(p));

    before(async function () {
        requireEmulatorHost(this);
        emulator = await Emulator.start(
            [
                config("hello"),
                secret("auth", { data: { password: Buffer.from("s3cret").toString("base64") }, stringData: { user: "app" } }),
                volumesStatefulSet,
            ],
            { log: recordingLog().log },
        );
        await emulator.waitReady("vol");
    });

    after(async () => {
        await emulator?.stop();
        assert.deepEqual(leftovers(), []);
        assert.deepEqual(
            HOST_PATHS.filter((p) => fs.existsSync(p)),
            hostPathsBefore,
            "mount points were created on the host",
        );
    });

    const sh = async (script: string) => (await emulator.exec("vol-0", ["sh", "-c", script])).stdout.trim();

    it("projects configMap items to their paths with defaultMode, per-item mode and fsGroup ownership", async () => {
        assert.equal(await sh("ls /etc/redis"), "bin\nredis.conf");
        assert.equal(await sh('stat -L -c "%a %u %g" /etc/redis/redis.conf'), "440 0 2000");
        assert.equal(await sh('stat -L -c "%a %u %g" /etc/redis/bin/script.sh'), "755 0 2000");
        assert.equal(await sh("/etc/redis/bin/script.sh"), "hi from script");
        assert.equal(await sh("cat /etc/full/extra.txt; echo; stat -L -c %a /etc/full/extra.txt"), "hello\n644");
        assert.match(await sh("ls -la /etc/full"), /\.\.data -> \.\.\d{4}_/);
    });

    it("writes Secret data and stringData readable through fsGroup, owned root:fsGroup", async () => {
        assert.equal(await sh("cat /etc/auth/password; echo; cat /etc/auth/user"), "s3cret\napp");
        assert.equal(await sh('stat -L -c "%a %u %g" /etc/auth/password'), "440 0 2000");
    });

    it("runs as the container user (winning over the pod) with the pod group, fsGroup and supplemental groups", async () => {
        assert.equal(await sh("id -u; id -g"), "1001\n3000");
        assert.deepEqual((await sh("id -G")).split(" ").sort(), ["2000", "3000", "4000"]);
    });

    it("honours readOnlyRootFilesystem and read-only mounts, while volumes stay writable", async () => {
        for (const path of ["/tmp/x", "/etc/x", "/scratch-ro/x", "/etc/redis/x", "/etc/auth/x"]) {
            assert.match(await sh(`touch ${path} 2>&1 || true`), /Read-only file system/, path);
        }
        assert.equal(await sh("touch /scratch/x /run/app/x /data/x /work-sub/x && echo ok"), "ok");
        assert.equal(await sh("ls /scratch/sub/dir"), "x");
    });

    it("mounts a memory emptyDir as tmpfs of sizeLimit, and binds a subPath file", async () => {
        assert.equal(await sh("stat -f -c %T /run/app"), "tmpfs");
        assert.match(await sh("df -k /run/app | tail -1"), /^tmpfs\s+1024\s/);
        assert.equal(await sh("cat /etc/extra.txt"), "hello");
    });

    it("shows ConfigMap updates in mounted volumes (not in subPath mounts) without restarting the pod", async () => {
        const ip = emulator.podIP("vol-0");
        await emulator.apply([config("updated")]);
        await emulator.waitFor(async () => (await sh("cat /etc/full/extra.txt")) === "updated", 5000, "the update in /etc/full");
        assert.equal(await sh("cat /etc/extra.txt"), "hello", "subPath mounts keep the content they started with");
        assert.equal(emulator.pods()[0].restartCount.redis, 0);
        assert.equal(emulator.podIP("vol-0"), ip);
    });

    it("keeps emptyDirs across container restarts, loses them with the pod, and keeps the claim", async () => {
        await sh("echo kept > /scratch/keep; echo kept > /run/app/keep; echo kept > /data/keep; redis-cli set k v");
        await emulator.crashContainer("vol-0");
        await emulator.waitFor(() => emulator.pods()[0]?.restartCount.redis === 1, 5000, "the restart");
        await emulator.waitReady("vol");
        assert.equal(await sh("cat /scratch/keep /run/app/keep /data/keep; redis-cli get k"), "kept\nkept\nkept\nv");

        await emulator.deletePod("vol-0");
        await emulator.waitReady("vol");
        assert.equal(await sh("ls -A /run/app; ls -A /scratch"), "sub", "emptyDirs start empty in a new pod (but for the subPath dir)");
        assert.equal(await sh("cat /data/keep; redis-cli get k"), "kept\nv");
        const [claim] = emulator.persistentVolumeClaims();
        assert.equal(claim.name, "data-vol-0");
        assert.equal(fs.readFileSync(`${claim.path}/keep`, "utf8"), "kept\n");
    });
});
