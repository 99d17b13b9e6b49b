import { strict as assert } from "node:assert";
import { Emulator, leftovers } from "./index";
import { requireEmulatorHost } from "./testing/guard";
import { configMap, idleContainer, recordingLog, redisContainer, secret, shellContainer, statefulSet } from "./testing/fixtures";

const appendTo = (line: string) => `echo ${line} >> /work/order`;

const app = statefulSet({
    name: "app",
    volumes: [{ name: "work", emptyDir: {} }],
    podSpec: { securityContext: { fsGroup: 2000 } },
    initContainers: [
        shellContainer("init-a", `${appendTo("a")} && chmod 666 /work/order`, { volumeMounts: [{ name: "work", mountPath: "/work" }] }),
        shellContainer("init-b", `test -s /work/order && ${appendTo("b")}`, { volumeMounts: [{ name: "work", mountPath: "/work" }] }),
    ],
    containers: [
        {
            name: "main",
            image: "docker.io/library/debian:bookworm",
            command: ["/bin/sh", "-c"],
            args: [
                `echo "args: $0 $1 $(GREETING)"; echo to-stderr >&2; echo started; ${appendTo("app")}; trap "exit 0" TERM; sleep infinity & wait`,
                "zero",
                "one",
            ],
            workingDir: "/work/sub",
            securityContext: { runAsUser: 1000, runAsGroup: 1000 },
            volumeMounts: [{ name: "work", mountPath: "/work" }],
            env: [
                { name: "GREETING", value: "hi" },
                { name: "COMPOSED", value: "$(GREETING)-there" },
                { name: "ESCAPED", value: "$$(GREETING)" },
                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
                { name: "APP_LABEL", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
                { name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
                { name: "MODE", valueFrom: { configMapKeyRef: { name: "settings", key: "mode" } } },
                { name: "MISSING", valueFrom: { configMapKeyRef: { name: "settings", key: "nope", optional: true } } },
            ],
            envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }, { secretRef: { name: "creds" } }],
        },
        redisContainer({ name: "sidecar", readinessProbe: { exec: { command: ["redis-cli", "-p", "6380", "ping"] }, periodSeconds: 1 } }, [
            "--port",
            "6380",
        ]),
    ],
});

describe("pod emulator: containers", function () {
    this.timeout(30000);
    let emulator: Emulator;
    const recorded = recordingLog();

    before(async function () {
        requireEmulatorHost(this);
        emulator = await Emulator.start(
            [configMap("settings", { mode: "fast", level: "3" }), secret("creds", { stringData: { token: "t0k" } }), app],
            {
                log: recorded.log,
            },
        );
        await emulator.waitReady("app");
    });

    after(async () => {
        await emulator?.stop();
        assert.deepEqual(leftovers(), []);
    });

    const sh = async (script: string, container = "main") =>
        (await emulator.exec("app-0", ["sh", "-c", script], { container })).stdout.trim();

    it("runs init containers to completion, in order, before the app containers", async () => {
        assert.equal(await sh("cat /work/order"), "a\nb\napp");
        const [pod] = emulator.pods();
        assert.deepEqual(
            pod.initContainers.map((c) => [c.name, c.state, c.lastExitCode]),
            [
                ["init-a", "terminated", 0],
                ["init-b", "terminated", 0],
            ],
        );
    });

    it("runs command and args exactly as written, with $(VAR) expansion, in workingDir", async () => {
        assert.match(emulator.logs("app-0", "main"), /^args: zero one hi$/m);
        assert.equal(await sh("pwd"), "/work/sub");
    });

    it("builds the environment from values, fieldRefs, Secret and ConfigMap keys and envFrom", async () => {
        const env = await sh(
            'echo "$COMPOSED|$ESCAPED|$POD_NAME|$POD_NAMESPACE|$POD_IP|$NODE|$APP_LABEL|$TOKEN|$MODE|${MISSING-unset}|$CFG_mode|$CFG_level|$token|$HOSTNAME"',
        );
        assert.equal(
            env,
            `hi-there|$(GREETING)|app-0|default|${emulator.podIP("app-0")}|kube-emulator|app|t0k|fast|unset|fast|3|t0k|app-0`,
        );
    });

    it("runs exec as the container user, with its environment plus extra variables and stdin", async () => {
        const result = await emulator.exec("app-0", ["sh", "-c", 'read line; echo "$line $EXTRA $GREETING $(id -u)"'], {
            stdin: "input\n",
            env: { EXTRA: "extra" },
        });
        assert.equal(result.stdout.trim(), "input extra hi 1000");
        await assert.rejects(emulator.exec("app-0", ["sleep", "5"], { timeoutMs: 300 }), /timed out after 300ms/);
    });

    it("shares the pod network between containers but not their filesystems", async () => {
        assert.equal(await sh("redis-cli -p 6380 ping"), "PONG");
        await sh("echo mine > /tmp/only-main");
        assert.equal(await sh("cat /tmp/only-main 2>&1 || true", "sidecar"), "cat: /tmp/only-main: No such file or directory");
        assert.equal(await sh("cat /work/order | wc -l", "main"), "3");
    });

    it("captures logs per container, forwards them, and logs the image mapping once", async () => {
        const logs = emulator.logs("app-0", "main");
        assert.match(logs, /^to-stderr$/m);
        assert.match(logs, /^started$/m);
        assert.match(emulator.logs("app-0", "sidecar"), /Ready to accept connections/);
        assert.ok(recorded.lines.includes("[default/app-0/main] started"));
        const mappings = recorded.lines.filter((line) =>
            line.includes("image docker.io/library/redis:7.0.15 -> host binaries redis-server 7.0.15"),
        );
        assert.equal(mappings.length, 1);
        assert.ok(recorded.lines.some((line) => line.startsWith("emulator: image docker.io/library/debian:bookworm -> host binaries")));
    });

    it("keeps the previous run of a restarted container, as kubectl logs --previous", async () => {
        await emulator.crashContainer("app-0", "main");
        await emulator.waitFor(() => emulator.pods()[0].restartCount.main === 1, 5000, "the restart");
        await emulator.waitReady("app");
        assert.match(emulator.logs("app-0", "main", { previous: true }), /^started$/m);
        assert.equal(emulator.pods()[0].containers.find((c) => c.name === "main")!.lastExitCode, 137);
    });

    it("holds a container whose Secret is missing (CreateContainerConfigError) and starts it once the Secret exists", async () => {
        const late = statefulSet({
            name: "late",
            containers: [
                idleContainer("late", {
                    env: [{ name: "PASSWORD", valueFrom: { secretKeyRef: { name: "late-secret", key: "password" } } }],
                }),
            ],
        });
        await emulator.apply([late]);
        await emulator.waitFor(
            () =>
                /CreateContainerConfigError: secret "late-secret" not found/.test(
                    emulator.pods().find((p) => p.name === "late-0")?.containers[0].reason ?? "",
                ),
            5000,
            "the config error",
        );
        await emulator.apply([secret("late-secret", { stringData: { password: "pw" } })]);
        await emulator.waitReady("late", { timeoutMs: 5000 });
        assert.equal((await emulator.exec("late-0", ["sh", "-c", "echo $PASSWORD"])).stdout.trim(), "pw");
    });
});
