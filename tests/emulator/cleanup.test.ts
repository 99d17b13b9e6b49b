import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Emulator, cleanupStale, leftovers } from "./index";
import { requireEmulatorHost } from "./testing/guard";
import { recordingLog, redisContainer, sleep, statefulSet } from "./testing/fixtures";

const CHILD = path.join(__dirname, "testing", "child-emulator.ts");

interface Child {
    process: ChildProcess;
    id: string;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts an emulator in another Node process and waits for its pod to be Ready. */
async function startChild(then: "wait" | "throw"): Promise<Child> {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", CHILD, then], {
        cwd: path.join(__dirname, "..", ".."),
        stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const id = await new Promise<string>((resolve, reject) => {
        child.stdout!.on("data", (chunk) => {
            stdout += chunk;
            const match = /^ready (\S+)$/m.exec(stdout);
            if (match) resolve(match[1]);
        });
        void exited.then(() => reject(new Error(`the child emulator exited early:\n${stderr}`)));
    });
    return { process: child, id, exited };
}

describe("pod emulator: leaves the machine clean", function () {
    this.timeout(30000);

    before(function () {
        requireEmulatorHost(this);
    });

    let child: Child | undefined;
    afterEach(async () => {
        // A test that failed half-way must not leave its child (or what the child leaves) behind.
        if (child && child.process.exitCode === null && child.process.signalCode === null) {
            child.process.kill("SIGKILL");
            await child.exited;
            cleanupStale();
        }
        child = undefined;
        assert.deepEqual(leftovers(), []);
    });

    it("lists a running instance as leftovers until it is stopped", async () => {
        const emulator = await Emulator.start(
            [statefulSet({ name: "one", containers: [redisContainer()], volumes: [{ name: "m", emptyDir: { medium: "Memory" } }] })],
            {
                log: recordingLog().log,
            },
        );
        await emulator.waitReady("one");
        const found = leftovers(emulator.id);
        for (const kind of ["netns", "link", "process", "mount", "dir"]) {
            assert.ok(
                found.some((line) => line.startsWith(`${kind} `)),
                `no ${kind} in:\n${found.join("\n")}`,
            );
        }
        assert.ok(fs.existsSync(emulator.stateDir));
        await emulator.stop();
        assert.deepEqual(leftovers(emulator.id), []);
        assert.ok(!fs.existsSync(emulator.stateDir));
    });

    it("cleans up when the Node process gets SIGTERM", async () => {
        child = await startChild("wait");
        // Another live process's instance is in use, not left over; its state dir shows it exists.
        assert.deepEqual(leftovers(child.id), []);
        assert.ok(fs.existsSync(path.join("/tmp", child.id)));
        child.process.kill("SIGTERM");
        assert.deepEqual(await child.exited, { code: null, signal: "SIGTERM" });
        assert.deepEqual(leftovers(child.id), []);
        assert.ok(!fs.existsSync(path.join("/tmp", child.id)));
    });

    it("cleans up when the Node process dies of an uncaught exception", async () => {
        child = await startChild("throw");
        const { code } = await child.exited;
        assert.equal(code, 1);
        assert.deepEqual(leftovers(child.id), []);
    });

    it("takes the containers down with a SIGKILLed Node process; cleanupStale removes the rest", async () => {
        child = await startChild("wait");
        child.process.kill("SIGKILL");
        await child.exited;
        let processes: string[] = [];
        for (let i = 0; i < 40; i++) {
            processes = leftovers(child.id).filter((line) => line.startsWith("process "));
            if (processes.length === 0) break;
            await sleep(50);
        }
        assert.deepEqual(processes, [], "containers outlived the emulator process");
        assert.notDeepEqual(leftovers(child.id), [], "namespaces and files stay behind a SIGKILL");
        const log = recordingLog();
        assert.ok(cleanupStale({ log: log.log }).includes(child.id));
        assert.deepEqual(leftovers(child.id), []);
        assert.match(log.lines.join("\n"), new RegExp(`removed leftovers of emulator instance ${child.id}`));
    });
});
