import { strict as assert } from "node:assert";
import { Emulator, PodStatus, leftovers } from "./index";
import { requireEmulatorHost } from "./testing/guard";
import { recordingLog, redisContainer, sleep, statefulSet } from "./testing/fixtures";

/** Per pod instance (uid): when it was first seen, first Ready, first Terminating, and last seen. */
interface Life {
    name: string;
    revision?: string;
    seen: number;
    ready?: number;
    terminating?: number;
    lastSeen: number;
}

class Timeline {
    readonly lives = new Map<string, Life>();
    private readonly timer: NodeJS.Timeout;

    constructor(private readonly emulator: Emulator) {
        this.timer = setInterval(() => this.sample(), 20);
    }

    private sample(): void {
        const now = Date.now();
        for (const pod of this.emulator.pods()) {
            const life = this.lives.get(pod.uid) ?? { name: pod.name, revision: pod.revision, seen: now, lastSeen: now };
            life.lastSeen = now;
            if (pod.ready && life.ready === undefined) life.ready = now;
            if (pod.terminating && life.terminating === undefined) life.terminating = now;
            this.lives.set(pod.uid, life);
        }
    }

    of(name: string): Life[] {
        return [...this.lives.values()].filter((life) => life.name === name).sort((a, b) => a.seen - b.seen);
    }

    stop(): void {
        clearInterval(this.timer);
    }
}

const versioned = (version: string) => redisContainer({ env: [{ name: "VERSION", value: version }] });
const withData = redisContainer({ volumeMounts: [{ name: "data", mountPath: "/data" }] });

const sets = {
    ordered: statefulSet({ name: "ordered", replicas: 3, containers: [versioned("1")] }),
    parallel: statefulSet({ name: "parallel", replicas: 3, containers: [versioned("1")], spec: { podManagementPolicy: "Parallel" } }),
    roll: statefulSet({ name: "roll", replicas: 3, containers: [versioned("1")] }),
    ondelete: statefulSet({ name: "ondelete", containers: [versioned("1")], spec: { updateStrategy: { type: "OnDelete" } } }),
    keep: statefulSet({ name: "keep", replicas: 2, claims: ["data"], containers: [withData], spec: { podManagementPolicy: "Parallel" } }),
    drop: statefulSet({
        name: "drop",
        replicas: 2,
        claims: ["data"],
        containers: [withData],
        spec: { podManagementPolicy: "Parallel", persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete", whenDeleted: "Delete" } },
    }),
};

type StatefulSetLike = { spec: { template: { spec: object } } & Record<string, unknown> } & Record<string, unknown>;

const withVersion = (given: Record<string, unknown>, version: string, spec: object = {}) => {
    const object = given as StatefulSetLike;
    return {
        ...object,
        spec: {
            ...object.spec,
            ...spec,
            template: { ...object.spec.template, spec: { ...object.spec.template.spec, containers: [versioned(version)] } },
        },
    };
};

describe("pod emulator: StatefulSet controller", function () {
    this.timeout(30000);
    let emulator: Emulator;
    let timeline: Timeline;

    before(async function () {
        requireEmulatorHost(this);
        emulator = await Emulator.start(Object.values(sets), { log: recordingLog().log });
        timeline = new Timeline(emulator);
        await Promise.all(Object.keys(sets).map((name) => emulator.waitReady(name)));
    });

    after(async () => {
        timeline?.stop();
        await emulator?.stop();
        assert.deepEqual(leftovers(), []);
    });

    const pod = (name: string): PodStatus | undefined => emulator.pods().find((p) => p.name === name);
    const claimNames = () =>
        emulator
            .persistentVolumeClaims()
            .map((c) => c.name)
            .sort();
    const write = async (podName: string, text: string) => {
        const result = await emulator.exec(podName, ["sh", "-c", `echo ${text} > /data/marker`]);
        assert.equal(result.code, 0, result.stderr);
    };
    const read = async (podName: string) =>
        (await emulator.exec(podName, ["sh", "-c", "cat /data/marker 2>/dev/null || echo none"])).stdout.trim();

    it("creates OrderedReady pods one at a time, each once its predecessor is Ready", () => {
        for (const ordinal of [1, 2]) {
            const [previous] = timeline.of(`ordered-${ordinal - 1}`);
            const [current] = timeline.of(`ordered-${ordinal}`);
            assert.ok(
                previous.ready !== undefined && current.seen >= previous.ready,
                `ordered-${ordinal} was created before ordered-${ordinal - 1} was Ready`,
            );
        }
    });

    it("creates Parallel pods without waiting", () => {
        const seen = [0, 1, 2].map((i) => timeline.of(`parallel-${i}`)[0].seen);
        const firstReady = Math.min(...[0, 1, 2].map((i) => timeline.of(`parallel-${i}`)[0].ready!));
        assert.ok(Math.max(...seen) <= firstReady, "all pods exist before the first is Ready");
    });

    it("scales OrderedReady down from the highest ordinal, one pod at a time, and back up", async () => {
        await emulator.scale("ordered", 1);
        await emulator.waitReady("ordered", { replicas: 1 });
        const [two] = timeline.of("ordered-2");
        const [one] = timeline.of("ordered-1");
        assert.ok(two.terminating! <= one.terminating!, "ordered-2 goes first");
        assert.ok(one.terminating! >= two.lastSeen, "ordered-1 is deleted only once ordered-2 is gone");
        assert.deepEqual(
            emulator
                .pods()
                .filter((p) => p.statefulSet === "ordered")
                .map((p) => p.name),
            ["ordered-0"],
        );
        await emulator.scale("ordered", 3);
        await emulator.waitReady("ordered", { replicas: 3 });
    });

    it("rolls a changed template from the highest ordinal down, each pod Ready before the next is replaced", async () => {
        const oldRevision = pod("roll-0")!.revision;
        await emulator.apply([withVersion(sets.roll, "2")]);
        await emulator.waitReady("roll");
        const replaced = [2, 1, 0].map((i) => timeline.of(`roll-${i}`));
        for (const lives of replaced) assert.equal(lives.length, 2, `${lives[0].name} was replaced once`);
        for (let i = 1; i < replaced.length; i++) {
            const [old] = replaced[i];
            const [, newer] = replaced[i - 1];
            assert.ok(old.terminating! >= newer.ready!, `${old.name} was replaced before ${newer.name} was Ready again`);
        }
        const revisions = emulator
            .pods()
            .filter((p) => p.statefulSet === "roll")
            .map((p) => p.revision);
        assert.equal(new Set(revisions).size, 1);
        assert.notEqual(revisions[0], oldRevision);
        assert.equal((await emulator.exec("roll-0", ["sh", "-c", "echo $VERSION"])).stdout.trim(), "2");
    });

    it("honours rollingUpdate.partition: only ordinals at or above it are updated", async () => {
        const before = emulator
            .pods()
            .filter((p) => p.statefulSet === "roll")
            .map((p) => p.uid);
        await emulator.apply([withVersion(sets.roll, "3", { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } })]);
        await emulator.waitFor(() => pod("roll-2")?.ready === true && pod("roll-2")!.uid !== before[2], 10000, "roll-2 updated");
        await emulator.waitReady("roll");
        const after = emulator.pods().filter((p) => p.statefulSet === "roll");
        assert.deepEqual(
            after.slice(0, 2).map((p) => p.uid),
            before.slice(0, 2),
            "roll-0 and roll-1 were left alone",
        );
        assert.equal((await emulator.exec("roll-2", ["sh", "-c", "echo $VERSION"])).stdout.trim(), "3");
        assert.equal((await emulator.exec("roll-1", ["sh", "-c", "echo $VERSION"])).stdout.trim(), "2");
    });

    it("leaves pods alone on a template change with OnDelete, until they are deleted", async () => {
        const uid = pod("ondelete-0")!.uid;
        await emulator.apply([withVersion(sets.ondelete, "2")]);
        await sleep(1000);
        assert.equal(pod("ondelete-0")!.uid, uid);
        await emulator.deletePod("ondelete-0");
        await emulator.waitReady("ondelete");
        assert.equal((await emulator.exec("ondelete-0", ["sh", "-c", "echo $VERSION"])).stdout.trim(), "2");
    });

    it("keeps the claims of scaled-away pods (whenScaled: Retain) and reuses them on scale-up", async () => {
        await write("keep-1", "kept");
        await emulator.scale("keep", 1);
        await emulator.waitReady("keep", { replicas: 1 });
        assert.ok(claimNames().includes("data-keep-1"));
        await emulator.scale("keep", 2);
        await emulator.waitReady("keep", { replicas: 2 });
        assert.equal(await read("keep-1"), "kept");
    });

    it("deletes the claims of scaled-away pods with whenScaled: Delete, and all claims with whenDeleted: Delete", async () => {
        await write("drop-1", "dropped");
        await emulator.scale("drop", 1);
        await emulator.waitReady("drop", { replicas: 1 });
        await emulator.waitFor(() => !claimNames().includes("data-drop-1"), 3000, "the claim to go");
        await emulator.scale("drop", 2);
        await emulator.waitReady("drop", { replicas: 2 });
        assert.equal(await read("drop-1"), "none");
        await emulator.delete("StatefulSet", "drop");
        assert.deepEqual(
            emulator.pods().filter((p) => p.statefulSet === "drop"),
            [],
        );
        assert.deepEqual(
            claimNames().filter((name) => name.startsWith("data-drop")),
            [],
        );
    });
});
