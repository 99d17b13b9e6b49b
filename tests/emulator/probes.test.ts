import { strict as assert } from "node:assert";
import { Emulator, PodStatus, leftovers } from "./index";
import { requireEmulatorHost } from "./testing/guard";
import { idleContainer, recordingLog, redisContainer, shellContainer, sleep, statefulSet } from "./testing/fixtures";

const every = (seconds: number, extra: object = {}) => ({ periodSeconds: seconds, timeoutSeconds: 1, ...extra });
const exec = (...command: string[]) => ({ exec: { command } });
const hooksVolume = { name: "hooks", emptyDir: {} };
const hooksMount = { name: "hooks", mountPath: "/hooks" };

const objects = [
    statefulSet({
        name: "startup",
        containers: [
            idleContainer("gated", {
                startupProbe: { ...exec("test", "-e", "/tmp/started"), ...every(1, { failureThreshold: 60 }) },
                livenessProbe: { ...exec("false"), ...every(1, { failureThreshold: 1 }) },
            }),
            idleContainer("never", { startupProbe: { ...exec("false"), ...every(1, { failureThreshold: 2 }) } }),
        ],
    }),
    statefulSet({ name: "slow", containers: [idleContainer("slow", { readinessProbe: { ...exec("sleep", "5"), ...every(1) } })] }),
    statefulSet({
        name: "live",
        volumes: [hooksVolume],
        containers: [
            redisContainer({
                volumeMounts: [hooksMount],
                livenessProbe: { ...exec("sh", "-c", "test ! -e /tmp/sick"), ...every(1, { failureThreshold: 2 }) },
                lifecycle: { preStop: exec("sh", "-c", "echo prestop >> /hooks/log") },
            }),
        ],
    }),
    statefulSet({
        name: "grace",
        claims: ["hooks"],
        podSpec: { terminationGracePeriodSeconds: 3 },
        containers: [
            shellContainer("stubborn", 'trap "echo got TERM >> /hooks/log" TERM; while :; do sleep 0.1; done', {
                volumeMounts: [hooksMount],
                lifecycle: { preStop: exec("sh", "-c", "echo prestop >> /hooks/log; sleep 1") },
            }),
        ],
    }),
];

const tcp = statefulSet({
    name: "tcp",
    containers: [
        shellContainer("tcp", 'sleep 2; exec redis-server --port 7000 --protected-mode no --save ""', {
            ports: [{ name: "tcp", containerPort: 7000 }],
            readinessProbe: { tcpSocket: { port: "tcp" }, ...every(1) },
            livenessProbe: { tcpSocket: { port: 7000 }, ...every(1, { initialDelaySeconds: 4 }) },
        }),
    ],
});

const crashy = statefulSet({ name: "crashy", containers: [shellContainer("crashy", "echo crashing; exit 1")] });

const delayed = statefulSet({
    name: "delayed",
    containers: [
        idleContainer("delayed", { readinessProbe: { ...exec("true"), ...every(1, { initialDelaySeconds: 2, successThreshold: 2 }) } }),
    ],
});

describe("pod emulator: probes, hooks and restarts", function () {
    this.timeout(30000);
    let emulator: Emulator;
    const recorded = recordingLog();

    before(async function () {
        requireEmulatorHost(this);
        emulator = await Emulator.start(objects, { log: recorded.log });
    });

    after(async () => {
        await emulator?.stop();
        assert.deepEqual(leftovers(), []);
    });

    const pod = (name: string): PodStatus | undefined => emulator.pods().find((p) => p.name === name);
    const container = (podName: string, name: string) => pod(podName)?.containers.find((c) => c.name === name);

    const running = (podName: string, name: string) => container(podName, name)?.state === "running";

    it("waits for initialDelaySeconds and successThreshold before a pod is ready", async () => {
        const startedAt = Date.now();
        await emulator.apply([delayed]);
        await emulator.waitReady("delayed", { timeoutMs: 6000 });
        const elapsed = Date.now() - startedAt;
        assert.ok(elapsed >= 2900, `ready after ${elapsed}ms: the first probe runs at 2s, the second success at 3s`);
    });

    it("gates readiness on a tcpSocket probe of a named port", async () => {
        await emulator.apply([tcp]);
        await emulator.waitFor(() => running("tcp-0", "tcp"), 5000, "tcp-0 running");
        await sleep(1000);
        assert.equal(pod("tcp-0")!.ready, false, "not ready before the port opens");
        await emulator.waitReady("tcp", { timeoutMs: 6000 });
        assert.equal(pod("tcp-0")!.restartCount.tcp, 0, "liveness passes once the port is open");
    });

    it("runs no liveness probe before the startup probe passes, and restarts on startup failure", async () => {
        await emulator.waitFor(() => (container("startup-0", "never")?.restartCount ?? 0) >= 1, 6000, "a restart after startup failures");
        const gated = container("startup-0", "gated")!;
        assert.deepEqual([gated.started, gated.ready, gated.restartCount], [false, false, 0]);
        await emulator.exec("startup-0", ["touch", "/tmp/started"], { container: "gated" });
        await emulator.waitFor(() => container("startup-0", "gated")!.restartCount === 1, 6000, "the liveness restart after startup");
    });

    it("kills a probe that outlives timeoutSeconds and counts it as a failure", async () => {
        await sleep(2500);
        assert.equal(pod("slow-0")!.ready, false);
        assert.ok(recorded.lines.some((l) => l.includes("[default/slow-0/slow] readiness probe failed: timed out after 1000ms")));
        const sleeps = await emulator.exec("slow-0", ["sh", "-c", 'ps -eo args | grep -c "^sleep 5"']);
        assert.ok(Number(sleeps.stdout) <= 1, `timed-out probes are killed (${sleeps.stdout.trim()} still running)`);
    });

    it("restarts a container whose liveness probe fails, running preStop first", async () => {
        await emulator.waitReady("live");
        const ip = emulator.podIP("live-0");
        await emulator.exec("live-0", ["touch", "/tmp/sick"]);
        await emulator.waitFor(() => pod("live-0")?.restartCount.redis === 1, 6000, "the liveness restart");
        await emulator.waitReady("live");
        assert.equal((await emulator.exec("live-0", ["cat", "/hooks/log"])).stdout, "prestop\n");
        assert.equal(emulator.podIP("live-0"), ip);
    });

    it("deletes a pod with preStop, then SIGTERM, then SIGKILL when the grace period (hook included) is over", async () => {
        await emulator.waitFor(() => running("grace-0", "stubborn"), 5000, "grace-0 running");
        const began = Date.now();
        await emulator.deletePod("grace-0");
        const took = Date.now() - began;
        // 1s of hook, then the rest of the 3s grace period (kubelet grants at least 2s after a hook).
        assert.ok(took >= 2900 && took < 4500, `deletion took ${took}ms`);
        await emulator.waitFor(() => running("grace-0", "stubborn"), 5000, "grace-0 recreated");
        assert.equal((await emulator.exec("grace-0", ["cat", "/hooks/log"])).stdout, "prestop\ngot TERM\n");
        assert.ok(recorded.lines.includes("[default/grace-0/stubborn] grace period over; sending SIGKILL"));
    });

    it("restarts a crashing container with a doubling back-off (scaled down: 0, 0.5s, 1s, 2s)", async () => {
        await emulator.apply([crashy]);
        const times: number[] = [];
        let sawBackOff = false;
        await emulator.waitFor(
            () => {
                const status = container("crashy-0", "crashy");
                if (status && status.restartCount > times.length) times.push(Date.now());
                if (status?.reason === "CrashLoopBackOff") sawBackOff = true;
                return times.length >= 5;
            },
            15000,
            "five restarts",
        );
        const gaps = times.slice(1).map((t, i) => t - times[i]);
        assert.ok(sawBackOff, "the container was reported in CrashLoopBackOff");
        assert.ok(gaps[0] < 400, `the first restart is immediate (${gaps})`);
        assert.ok(gaps[1] >= 400 && gaps[1] < 1000, `then 0.5s (${gaps})`);
        assert.ok(gaps[2] >= 900 && gaps[2] < 1700, `then 1s (${gaps})`);
        assert.ok(gaps[3] >= 1900 && gaps[3] < 2900, `then 2s (${gaps})`);
        assert.match(emulator.logs("crashy-0"), /crashing/);
    });

    it("runs a readiness probe as soon as the startup probe passes, not a period later", async () => {
        const eager = statefulSet({
            name: "eager",
            containers: [
                idleContainer("eager", {
                    startupProbe: { ...exec("true"), ...every(1) },
                    readinessProbe: { ...exec("true"), ...every(30) },
                }),
            ],
        });
        await emulator.apply([eager]);
        await emulator.waitReady("eager", { timeoutMs: 3000 });
    });

    it("scales spec durations with timeScale, to run production probe settings quickly", async () => {
        const slowSpec = statefulSet({
            name: "scaled",
            containers: [idleContainer("scaled", { readinessProbe: { ...exec("true"), periodSeconds: 10, initialDelaySeconds: 10 } })],
        });
        const scaled = await Emulator.start([slowSpec], { log: recorded.log, timeScale: 0.1 });
        try {
            const began = Date.now();
            await scaled.waitReady("scaled", { timeoutMs: 5000 });
            const took = Date.now() - began;
            assert.ok(took >= 900 && took < 3000, `ready after ${took}ms: 10s of initial delay at a tenth of the time`);
        } finally {
            await scaled.stop();
        }
    });
});
