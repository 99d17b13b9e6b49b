import * as fs from "fs";
import * as path from "path";
import { Cluster, clusterUnavailable, FaultResult, Faults, faultLeftovers, IMAGES, SentinelDeployment } from "../e2e/harness";
import { dotPlotSvg, median } from "./plot";

/**
 * `npm run bench -- failover [runs]`: on the local cluster, a Sentinel deployment of three pods;
 * `runs` times (default 10) the master's container is killed (SIGKILL, a crash), and `runs` times
 * the master's pod is deleted gracefully (a planned restart, which hands over first). For each
 * run: the longest time a Sentinel-aware client confirming its writes with WAIT 1 went without
 * an acknowledged write, and every acknowledged write checked on every server afterwards; the
 * same for a Sentinel-aware client that resends (the client a handover is made for: its writes
 * wait through the handover, where the WAIT client, which must not resend, gives up on a write
 * after 1 s and so reads a handover as 1 or 2 s); and the same for a client that does not speak
 * Sentinel, writing through the primary Service. The fence's detachments in the handovers are
 * counted too: a handover leaves no master silent, so each is a replica fenced off a healthy
 * master, which then refuses writes for want of it. The two
 * kinds of run alternate, so that both see the same machine. After each crash the crashed pod is
 * replaced (see `replacePod`), so that every crash is the first of its container. Results go to
 * docs/bench/failover.json and docs/bench/failover.svg. The pods' logs of a run that misses its target
 * are printed.
 */
const TARGETS = { crash: { median: 3, max: 5 }, handover: { max: 1 } };
/** The time of day a server or Sentinel log line was written, to the millisecond, as it sorts. */
const timeOf = (line: string) => /\d\d:\d\d:\d\d\.\d{3}/.exec(line)?.[0] ?? "";
/** A handover's result, with the fence's detachments during it. */
type HandoverResult = FaultResult & { fenceDetachments: number };
const OUT = path.join(__dirname, "..", "..", "docs", "bench");

export async function benchFailover(runs: number): Promise<void> {
    const unavailable = await clusterUnavailable();
    if (unavailable) {
        throw new Error(unavailable);
    }
    const cluster = new Cluster();
    const faults = new Faults(cluster);
    const ha = new SentinelDeployment(cluster, faults, `kr-bench-ha-${process.pid % 100000}`, "bench", IMAGES.redis);
    const crash: FaultResult[] = [];
    const handover: HandoverResult[] = [];
    try {
        await ha.deploy();
        // What the pods logged during a run that missed its target (logs() covers the last run).
        const reportMisses = (result: FaultResult) => {
            if (result.primaryPauseMs > 10000) {
                process.stderr.write(
                    `bench failover: ${result.label}: the primary Service's client went ${result.primaryPauseMs} ms without a write; the labelers:\n${ha.labelerLogs(Date.now() - 120000)}\n${ha.logs()}\n`,
                );
            }
            const handedOver = result.label.startsWith("handover");
            if (
                result.pauseMs > TARGETS.crash.max * 1000 ||
                (handedOver && (result.failedPlainWrites > 0 || result.plainPauseMs > TARGETS.handover.max * 1000))
            ) {
                process.stderr.write(
                    `bench failover: ${result.label}: ${result.pauseMs} ms without an acknowledged write, ${result.plainPauseMs} ms for the resending client, which saw ${result.failedPlainWrites} failed writes; the pods:\n${ha.logs()}\n`,
                );
            }
        };
        for (let run = 1; run <= runs; run++) {
            crash.push(
                await ha.throughFault(`crash-${run}`, async (master) => {
                    const at = Date.now();
                    await faults.crashContainer(ha.namespace, master, "redis");
                    return at;
                }),
            );
            reportMisses(crash[run - 1]);
            await ha.replacePod(crash[run - 1].masterBefore);
            let deletedAt = 0;
            const handedOver = await ha.throughFault(`handover-${run}`, async (master) => {
                deletedAt = Date.now();
                await cluster.deletePod(ha.namespace, master);
                return deletedAt;
            });
            handover.push({ ...handedOver, fenceDetachments: ha.fenceDetachments(deletedAt) });
            reportMisses(handedOver);
            // Every handover's own account, where its time went (pre-stop.sh logs each step), and the
            // Sentinels' steps, timed: the request (+try-failover), the promotion the leader sent
            // and saw, and each Sentinel naming the new master.
            const sentinelSteps =
                /\+(try-failover|selected-slave|failover-state-send-slaveof-noone|promoted-slave|config-update-from|switch-master) /;
            process.stderr.write(
                `bench failover: handover-${run}: ${[
                    ...ha.recordedLines("redis", /^pre-stop: /, deletedAt),
                    ...ha.recordedLines("sentinel", sentinelSteps, deletedAt).sort((a, b) => timeOf(a).localeCompare(timeOf(b))),
                ].join("\n    ")}\n`,
            );
            const last = (r: FaultResult) =>
                `${(r.pauseMs / 1000).toFixed(2)} s (resending client ${(r.plainPauseMs / 1000).toFixed(2)} s, primary Service ${(r.primaryPauseMs / 1000).toFixed(2)} s)`;
            process.stderr.write(
                `bench failover: run ${run}/${runs}: crash ${last(crash[run - 1])}, handover ${last(handover[run - 1])}\n`,
            );
        }
    } catch (error) {
        // What the pods did, before the deployment goes: the role decisions, the handovers, the
        // Sentinels' and the labelers' logs, and why a pod is not ready.
        process.stderr.write(`bench failover: failed after ${crash.length} crashes and ${handover.length} handovers\n${ha.logs()}\n`);
        for (const pod of ha.pods()) {
            process.stderr.write(`--- events of ${pod}\n${(await cluster.events(ha.namespace, pod)).join("\n")}\n`);
        }
        throw error;
    } finally {
        await faults.undoAll();
        await ha.remove();
        cluster.close();
    }
    const leftovers = faultLeftovers();
    if (leftovers.length > 0) {
        throw new Error(`faults left behind: ${leftovers.join(", ")}`);
    }
    const seconds = (results: FaultResult[]) => results.map((r) => r.pauseMs / 1000);
    const resendingSeconds = (results: FaultResult[]) => results.map((r) => r.plainPauseMs / 1000);
    const primarySeconds = (results: FaultResult[]) => results.map((r) => r.primaryPauseMs / 1000);
    const summary = (results: FaultResult[]) => ({
        runs: results.length,
        medianSeconds: median(seconds(results)),
        maxSeconds: Math.max(...seconds(results)),
        resendingClientMedianSeconds: median(resendingSeconds(results)),
        resendingClientMaxSeconds: Math.max(...resendingSeconds(results)),
        primaryServiceMedianSeconds: median(primarySeconds(results)),
        primaryServiceMaxSeconds: Math.max(...primarySeconds(results)),
        failedWritesPlainClient: results.reduce((sum, r) => sum + r.failedPlainWrites, 0),
        lostAcknowledgedPlainWrites: results.reduce((sum, r) => sum + r.lostPlainWrites, 0),
        acknowledgedWaitWrites: results.reduce((sum, r) => sum + r.acknowledgedWaitWrites, 0),
    });
    const results = {
        measuredAt: new Date().toISOString(),
        what: "longest time without an acknowledged (WAIT 1) write, from the fault on, per run; every acknowledged write was then found on every server. resendingClient*: the same for a Sentinel-aware client that resends its writes (ioredis, command timeout 3 s), acknowledged by the master alone. primaryService*: the same for a client that does not speak Sentinel, one redis-cli connection per write through the primary Service (each given 1 s). fenceDetachments: replicas fenced off the new master during the handovers",
        targets: TARGETS,
        crash: { ...summary(crash), runs: crash },
        handover: { ...summary(handover), fenceDetachments: handover.reduce((sum, r) => sum + r.fenceDetachments, 0), runs: handover },
    };
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(path.join(OUT, "failover.json"), JSON.stringify(results, null, 2) + "\n");
    fs.writeFileSync(
        path.join(OUT, "failover.svg"),
        dotPlotSvg(
            "Writes unavailable per run (WAIT client: WAIT 1, no resend; resending client: plain writes; primary Service: a connection per write)",
            [
                { label: "crash, WAIT client", valuesSeconds: seconds(crash), targetSeconds: TARGETS.crash },
                { label: "crash, primary Service", valuesSeconds: primarySeconds(crash) },
                { label: "handover, WAIT client", valuesSeconds: seconds(handover) },
                { label: "handover, resending client", valuesSeconds: resendingSeconds(handover), targetSeconds: TARGETS.handover },
                { label: "handover, primary Service", valuesSeconds: primarySeconds(handover) },
            ],
        ),
    );
    for (const [name, list] of [
        ["crash", crash],
        ["handover", handover],
    ] as const) {
        const s = summary(list);
        process.stdout.write(
            `${name}: median ${s.medianSeconds.toFixed(2)} s, max ${s.maxSeconds.toFixed(2)} s over ${s.runs} runs (resending client: median ${s.resendingClientMedianSeconds.toFixed(2)} s, max ${s.resendingClientMaxSeconds.toFixed(2)} s; primary Service: median ${s.primaryServiceMedianSeconds.toFixed(2)} s, max ${s.primaryServiceMaxSeconds.toFixed(2)} s); failed writes (resending client) ${s.failedWritesPlainClient}; acknowledged plain writes lost ${s.lostAcknowledgedPlainWrites}; acknowledged WAIT writes lost 0 of ${s.acknowledgedWaitWrites}\n`,
        );
    }
    process.stdout.write(`handover: replicas fenced off a healthy master ${handover.reduce((sum, r) => sum + r.fenceDetachments, 0)}\n`);
}
