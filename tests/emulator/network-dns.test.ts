import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { Emulator, leftovers } from "./index";
import { requireEmulatorHost } from "./testing/guard";
import {
    clusterIPService,
    headlessService,
    hostRedisCli,
    idleContainer,
    recordingLog,
    redisContainer,
    statefulSet,
} from "./testing/fixtures";

/** Ready unless /tmp/unready exists, so tests can flip readiness from inside the pod. */
const switchableRedis = redisContainer({
    readinessProbe: { exec: { command: ["sh", "-c", "test ! -e /tmp/unready && redis-cli ping"] }, periodSeconds: 1, failureThreshold: 1 },
});

describe("pod emulator: pod network and cluster DNS", function () {
    this.timeout(30000);
    let emulator: Emulator;
    const { log } = recordingLog();

    before(async function () {
        requireEmulatorHost(this);
        emulator = await Emulator.start(
            [
                { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } },
                statefulSet({
                    name: "web",
                    namespace: "apps",
                    replicas: 2,
                    containers: [switchableRedis],
                    spec: { podManagementPolicy: "Parallel" },
                }),
                headlessService("web", "web", {}, "apps"),
                clusterIPService("web-client", "web", "apps"),
                statefulSet({ name: "db", namespace: "apps", containers: [switchableRedis] }),
                headlessService("db", "db", { publishNotReadyAddresses: true }, "apps"),
                statefulSet({ name: "client", containers: [idleContainer("client")] }),
            ],
            { log },
        );
        await Promise.all([
            emulator.waitReady("web", { namespace: "apps" }),
            emulator.waitReady("db", { namespace: "apps" }),
            emulator.waitReady("client"),
        ]);
    });

    after(async () => {
        await emulator?.stop();
        assert.deepEqual(leftovers(), []);
    });

    const sh = async (pod: string, script: string, namespace = "apps") => {
        const result = await emulator.exec(pod, ["sh", "-c", script], { namespace });
        return { ...result, stdout: result.stdout.trim() };
    };
    const lookup = async (pod: string, name: string, namespace = "apps") => {
        const result = await emulator.exec(pod, ["getent", "ahostsv4", name], { namespace });
        return [
            ...new Set(
                result.stdout
                    .split("\n")
                    .filter(Boolean)
                    .map((line) => line.split(/\s+/)[0]),
            ),
        ].sort();
    };

    it("gives each pod its own IP on the pod network, reachable from the host and from other pods", async () => {
        const ips = ["web-0", "web-1", "db-0"].map((pod) => emulator.podIP(pod, "apps"));
        assert.equal(new Set(ips).size, 3);
        for (const ip of ips) {
            assert.ok(ip.startsWith(emulator.podCidr.split(".").slice(0, 2).join(".")), `${ip} is in ${emulator.podCidr}`);
            assert.equal(await hostRedisCli(ip, "ping"), "PONG");
        }
        const fromClient = await sh("client-0", `redis-cli -h ${ips[1]} ping`, "default");
        assert.equal(fromClient.stdout, "PONG");
    });

    it("brings loopback up and names the pod's host after the pod", async () => {
        const result = await sh("web-1", "hostname; cat /etc/hostname; redis-cli -h 127.0.0.1 ping; ip -4 -o addr show eth0");
        const [hostname, etcHostname, pong, eth0] = result.stdout.split("\n");
        assert.equal(hostname, "web-1");
        assert.equal(etcHostname, "web-1");
        assert.equal(pong, "PONG");
        assert.match(eth0, new RegExp(`inet ${emulator.podIP("web-1", "apps").replace(/\./g, "\\.")}/16`));
    });

    it("resolves pod and Service names in every spelling a pod can use", async () => {
        const web1 = emulator.podIP("web-1", "apps");
        for (const name of ["web-1.web.apps.svc.cluster.local", "web-1.web.apps.svc", "web-1.web.apps", "web-1.web"]) {
            assert.deepEqual(await lookup("web-0", name), [web1], name);
        }
        const both = [emulator.podIP("web-0", "apps"), web1].sort();
        for (const name of ["web-client.apps.svc.cluster.local", "web-client.apps.svc", "web-client.apps", "web-client", "web"]) {
            assert.deepEqual(await lookup("web-0", name), both, name);
        }
        assert.deepEqual(emulator.resolve("web-client", "apps").sort(), both);
        assert.deepEqual(emulator.serviceAddresses("web-client", "apps").sort(), both);
        assert.ok(both.includes(emulator.hostAddress("web-client", "apps")));
        // From another namespace only the qualified names work, as the search path allows.
        assert.deepEqual(await lookup("client-0", "web-1.web.apps", "default"), [web1]);
        const started = Date.now();
        assert.deepEqual(await lookup("client-0", "web-1.web", "default"), []);
        assert.ok(Date.now() - started < 1500, "an unknown name fails fast instead of waiting for a resolver");
        assert.deepEqual(await lookup("client-0", "web-client", "default"), []);
    });

    it("publishes only ready pods, rewriting hosts files in place", async () => {
        const inode = (await sh("web-0", "stat -c %i /etc/hosts")).stdout;
        const web0 = emulator.podIP("web-0", "apps");
        await sh("web-1", "touch /tmp/unready");
        await emulator.waitFor(() => !emulator.pods().find((p) => p.name === "web-1")!.ready, 5000, "web-1 unready");
        await emulator.waitFor(async () => (await lookup("web-0", "web-client")).length === 1, 2000, "DNS to drop web-1");
        assert.deepEqual(await lookup("web-0", "web-1.web.apps.svc.cluster.local"), []);
        assert.deepEqual(await lookup("web-0", "web"), [web0]);
        assert.deepEqual(emulator.serviceAddresses("web-client", "apps"), [web0]);
        await sh("web-1", "rm /tmp/unready");
        await emulator.waitReady("web", { namespace: "apps" });
        await emulator.waitFor(async () => (await lookup("web-0", "web-1.web")).length === 1, 2000, "DNS to publish web-1 again");
        assert.equal((await sh("web-0", "stat -c %i /etc/hosts")).stdout, inode, "the hosts file keeps its inode");
        const netns = fs.readdirSync("/etc/netns").find((entry) => entry.startsWith(`${emulator.id}-web-0-`));
        assert.ok(netns, "ip netns exec sees the same hosts file");
        assert.match(fs.readFileSync(`/etc/netns/${netns}/hosts`, "utf8"), /web-1\.web\.apps\.svc\.cluster\.local/);
    });

    it("keeps publishing an unready pod when its Service has publishNotReadyAddresses", async () => {
        const db0 = emulator.podIP("db-0", "apps");
        await sh("db-0", "touch /tmp/unready");
        await emulator.waitFor(() => !emulator.pods().find((p) => p.name === "db-0")!.ready, 5000, "db-0 unready");
        assert.deepEqual(await lookup("web-0", "db-0.db.apps.svc.cluster.local"), [db0]);
        assert.deepEqual(await lookup("web-0", "db"), [db0]);
        await sh("db-0", "rm /tmp/unready");
        await emulator.waitReady("db", { namespace: "apps" });
    });

    it("keeps the IP across a container restart and gives a recreated pod a new one", async () => {
        const web0 = emulator.podIP("web-0", "apps");
        await emulator.crashContainer("web-0", "redis", "apps");
        await emulator.waitFor(() => emulator.pods().find((p) => p.name === "web-0")!.restartCount.redis === 1, 5000, "a restart");
        await emulator.waitReady("web", { namespace: "apps" });
        assert.equal(emulator.podIP("web-0", "apps"), web0);

        const web1 = emulator.podIP("web-1", "apps");
        await emulator.deletePod("web-1", { namespace: "apps" });
        await emulator.waitReady("web", { namespace: "apps" });
        const recreated = emulator.podIP("web-1", "apps");
        assert.notEqual(recreated, web1);
        await emulator.waitFor(async () => (await lookup("web-0", "web-1.web")).join() === recreated, 2000, "DNS to follow the new IP");
        await assert.rejects(hostRedisCli(web1, "ping"));
    });

    it("refuses a pod network that clashes with the machine's routes, before creating anything", async () => {
        const before = leftovers();
        await assert.rejects(
            Emulator.start([statefulSet({ name: "other", containers: [redisContainer()] })], {
                podCidr: emulator.podCidr,
                cleanupStale: false,
            }),
            new RegExp(
                `pod CIDR ${emulator.podCidr.replace(/\./g, "\\.")} clashes with this machine's network \\(.*route ${emulator.podCidr.replace(/\./g, "\\.")} dev ${emulator.id}br`,
            ),
        );
        assert.deepEqual(leftovers(), before);
    });
});
