import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Cluster, clusterUnavailable, directClient, FaultResult, Faults, faultLeftovers, IMAGES, SentinelDeployment } from "../e2e/harness";
import { dotPlotSvg, median } from "./plot";

/**
 * `npm run bench -- down-after [crashes] [soakSeconds]`: what `sentinel.downAfterMilliseconds`
 * buys and costs, each candidate on a deployment of its own, one after another in one run:
 *
 * - the cost, false suspicions: for `soakSeconds` (default 120) the healthy deployment works
 *   under load (the two writers of the fault matrix, a 32 MB dataset that the master snapshots
 *   every 3 s, one busy process per host core beside the cluster); every `+sdown` and `+odown`
 *   a Sentinel logs, every failover, every TILT and every fence detachment then is false;
 * - the gain: `crashes` times (default 6) the master's container is killed, and the longest
 *   time the WAIT 1 client went without an acknowledged write is recorded (as in `failover`).
 *
 * Results go to docs/bench/down-after.json and docs/bench/down-after.svg.
 */
const CANDIDATES_MS = [2000, 1500, 1000];
const OUT = path.join(__dirname, "..", "..", "docs", "bench");
const DATASET = { keys: 32000, valueBytes: 1024 };
const SNAPSHOT_EVERY_MS = 3000;

interface Candidate {
    downAfterMilliseconds: number;
    soak: FaultResult & { seconds: number; suspicions: Record<string, number> };
    crashes: FaultResult[];
}

/** What a Sentinel or a fence logs when it suspects a server, by kind (the text each line contains). */
const SUSPICIONS = {
    "master suspected (+sdown master)": ["sentinel", "+sdown master"],
    "master agreed down (+odown)": ["sentinel", "+odown"],
    "failovers (+switch-master)": ["sentinel", "+switch-master"],
    "replica suspected (+sdown slave)": ["sentinel", "+sdown slave"],
    "Sentinel suspected (+sdown sentinel)": ["sentinel", "+sdown sentinel"],
    "TILT entered (+tilt)": ["sentinel", "+tilt"],
    "replica detached by its fence": ["fence", ": detached from it"],
} as const;

export async function benchDownAfter(crashes: number, soakSeconds: number): Promise<void> {
    const unavailable = await clusterUnavailable();
    if (unavailable) {
        throw new Error(unavailable);
    }
    const cluster = new Cluster();
    const faults = new Faults(cluster);
    const results: Candidate[] = [];
    try {
        for (const downAfterMilliseconds of CANDIDATES_MS) {
            const ha = new SentinelDeployment(
                cluster,
                faults,
                `kr-bench-da-${downAfterMilliseconds}-${process.pid % 100000}`,
                "bench",
                IMAGES.redis,
            );
            ha.args = { ...ha.args, sentinel: { ...ha.args.sentinel, downAfterMilliseconds } };
            try {
                await ha.deploy();
                await fillDataset(ha, await ha.healthy());
                let soakAt = Date.now();
                const soak = await ha.throughFault(`soak-${downAfterMilliseconds}`, async (master) => {
                    soakAt = Date.now();
                    await underLoad(ha, master, soakSeconds * 1000);
                    return soakAt;
                });
                const suspicions = Object.fromEntries(
                    Object.entries(SUSPICIONS).map(([label, [container, text]]) => [label, ha.countLogLines(container, text, soakAt)]),
                );
                const candidate: Candidate = { downAfterMilliseconds, soak: { ...soak, seconds: soakSeconds, suspicions }, crashes: [] };
                for (let run = 1; run <= crashes; run++) {
                    const result = await ha.throughFault(`crash-${downAfterMilliseconds}-${run}`, async (master) => {
                        const at = Date.now();
                        await faults.crashContainer(ha.namespace, master, "redis");
                        return at;
                    });
                    candidate.crashes.push(result);
                    await ha.replacePod(result.masterBefore);
                    if (result.pauseMs > 5000) {
                        process.stderr.write(`bench down-after: ${result.label} paused ${result.pauseMs} ms; the pods:\n${ha.logs()}\n`);
                    }
                }
                results.push(candidate);
                process.stderr.write(
                    `bench down-after: ${downAfterMilliseconds} ms: crash median ${(median(candidate.crashes.map((r) => r.pauseMs)) / 1000).toFixed(2)} s; under load: ${JSON.stringify(suspicions)}\n`,
                );
            } catch (error) {
                process.stderr.write(`bench down-after: ${downAfterMilliseconds} ms failed\n${ha.logs()}\n`);
                throw error;
            } finally {
                await faults.undoAll();
                await ha.remove();
            }
        }
    } finally {
        cluster.close();
    }
    const leftovers = faultLeftovers();
    if (leftovers.length > 0) {
        throw new Error(`faults left behind: ${leftovers.join(", ")}`);
    }
    const seconds = (runs: FaultResult[]) => runs.map((r) => r.pauseMs / 1000);
    const summary = results.map((c) => ({
        downAfterMilliseconds: c.downAfterMilliseconds,
        crashMedianSeconds: median(seconds(c.crashes)),
        crashMaxSeconds: Math.max(...seconds(c.crashes)),
        underLoad: c.soak.suspicions,
        underLoadLongestPauseSeconds: c.soak.pauseMs / 1000,
    }));
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(
        path.join(OUT, "down-after.json"),
        JSON.stringify(
            {
                measuredAt: new Date().toISOString(),
                what: "per candidate down-after: false suspicions in a soak under load (writers, snapshots of a 32 MB dataset every 3 s, one busy process per host core), then the longest time without an acknowledged (WAIT 1) write after a crash of the master's container",
                load: { seconds: soakSeconds, dataset: DATASET, snapshotEveryMs: SNAPSHOT_EVERY_MS, busyProcesses: os.cpus().length },
                summary,
                candidates: results,
            },
            null,
            2,
        ) + "\n",
    );
    fs.writeFileSync(
        path.join(OUT, "down-after.svg"),
        dotPlotSvg(
            "Crash of the master: writes unavailable, by down-after",
            results.map((c) => ({
                label: `down-after ${c.downAfterMilliseconds} ms`,
                valuesSeconds: seconds(c.crashes),
                targetSeconds: { median: 3, max: 5 },
            })),
        ),
    );
    for (const s of summary) {
        process.stdout.write(
            `down-after ${s.downAfterMilliseconds} ms: crash median ${s.crashMedianSeconds.toFixed(2)} s, max ${s.crashMaxSeconds.toFixed(2)} s; under load ${JSON.stringify(s.underLoad)}\n`,
        );
    }
}

/** Writes the dataset through the master, so that its snapshots take a fork of some size. */
async function fillDataset(ha: SentinelDeployment, master: string): Promise<void> {
    const redis = directClient((await ha.podIPs())[master], ha.password, 6379, false);
    await redis.connect();
    try {
        const value = "x".repeat(DATASET.valueBytes);
        for (let start = 0; start < DATASET.keys; start += 1000) {
            const pipeline = redis.pipeline();
            for (let key = start; key < Math.min(DATASET.keys, start + 1000); key++) {
                pipeline.set(`dataset:${key}`, value);
            }
            await pipeline.exec();
        }
    } finally {
        redis.disconnect();
    }
}

/**
 * `durationMs` of load beside the writers: the master snapshots (BGSAVE) every few seconds, and
 * one busy process per host core competes with the cluster for the CPU. Returns when it ends;
 * the busy processes are ended by their ids.
 */
async function underLoad(ha: SentinelDeployment, master: string, durationMs: number): Promise<void> {
    const busy: ChildProcess[] = os.cpus().map(() => spawn("sh", ["-c", "while :; do :; done"], { stdio: "ignore" }));
    const redis = directClient((await ha.podIPs())[master], ha.password, 6379, true);
    const end = Date.now() + durationMs;
    try {
        await redis.connect();
        while (Date.now() < end) {
            // A snapshot still running, or a failover that made the master a replica, is no error here.
            await redis.bgsave().catch(() => undefined);
            await new Promise((resolve) => setTimeout(resolve, Math.min(SNAPSHOT_EVERY_MS, Math.max(0, end - Date.now()))));
        }
    } finally {
        redis.disconnect();
        for (const child of busy) {
            child.kill("SIGKILL");
        }
    }
}
