import { ChildProcess, spawn } from "child_process";
import { Cluster, KUBECONFIG } from "./cluster";

/**
 * The lines of a `kubectl logs --timestamps` output that match `pattern` (all without one) and
 * were written at `sinceMs` or later, each as "HH:MM:SS.mmm text":
 * "2026-12-06T06:00:18.401234567Z text" -> "06:00:18.401 text".
 */
export function timedLines(lines: string[], pattern?: RegExp, sinceMs = 0): string[] {
    return parsedLines(lines, sinceMs)
        .filter((line) => !pattern || pattern.test(line.text))
        .map((line) => `${line.stamp.slice(11, 23)} ${line.text}`);
}

/** The lines of a `kubectl logs --timestamps` output written at `sinceMs` or later, split into their time and text. */
function parsedLines(lines: string[], sinceMs = 0): { stamp: string; at: number; text: string }[] {
    return lines
        .filter((line) => line !== "")
        .map((line) => {
            const stamp = line.slice(0, line.indexOf(" "));
            return { stamp, at: Date.parse(stamp), text: line.slice(line.indexOf(" ") + 1) };
        })
        .filter((line) => !(line.at < sinceMs));
}

interface Followed {
    pod: string;
    container: string;
    lines: string[];
    child: ChildProcess;
}

/**
 * Keeps the logs that the cluster forgets: those of a deleted pod (its pre-stop's among them) and
 * of a container before its last restart but one. While started, it follows every container
 * instance of the selected pods (`kubectl logs -f --timestamps`) from when it runs.
 */
export class PodLogRecorder {
    private readonly followed = new Map<string, Followed>();
    private timer?: NodeJS.Timeout;
    private stopped = false;

    constructor(
        private readonly cluster: Cluster,
        private readonly namespace: string,
        private readonly selector: string,
    ) {}

    start(): void {
        const poll = async () => {
            try {
                for (const pod of await this.cluster.api.list("Pod", this.namespace, this.selector)) {
                    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
                    for (const status of statuses) {
                        if (status.containerID && status.state?.running && !this.followed.has(status.containerID)) {
                            this.follow(status.containerID, pod.metadata.name, status.name);
                        }
                    }
                }
            } catch {
                // The API server may be briefly away (a power-cut case): the next poll.
            }
            if (!this.stopped) {
                this.timer = setTimeout(() => void poll(), 1000);
            }
        };
        void poll();
    }

    private follow(containerID: string, pod: string, container: string): void {
        const child = spawn(
            this.cluster.kubectl,
            ["--kubeconfig", KUBECONFIG, "-n", this.namespace, "logs", "-f", "--timestamps", pod, "-c", container],
            { stdio: ["ignore", "pipe", "ignore"] },
        );
        const followed: Followed = { pod, container, lines: [], child };
        let partial = "";
        child.stdout?.on("data", (chunk: Buffer) => {
            const text = partial + chunk.toString("utf8");
            const lines = text.split("\n");
            partial = lines.pop() ?? "";
            followed.lines.push(...lines);
        });
        child.stdout?.on("end", () => partial && followed.lines.push(partial));
        this.followed.set(containerID, followed);
    }

    /** Stops following; what was recorded stays. */
    stop(): void {
        this.stopped = true;
        clearTimeout(this.timer);
        for (const { child } of this.followed.values()) {
            child.kill("SIGTERM");
        }
    }

    /**
     * The instances of one container of `pod` followed, in the order they were found, each with
     * its lines written at `sinceMs` or later, their times in ms.
     */
    instances(pod: string, container: string, sinceMs = 0): { id: string; lines: { at: number; text: string }[] }[] {
        return [...this.followed]
            .filter(([, followed]) => followed.pod === pod && followed.container === container)
            .map(([id, { lines }]) => ({ id, lines: parsedLines(lines, sinceMs).map(({ at, text }) => ({ at, text })) }));
    }

    /**
     * Every container instance followed, in the order they were found, with the lines `filter`
     * keeps for its container (all when it has none) written at `sinceMs` or later, each as
     * "HH:MM:SS.mmm text". An instance with no such line is left out.
     */
    report(filter: Record<string, RegExp> = {}, sinceMs = 0): string {
        const out: string[] = [];
        for (const [id, { pod, container, lines }] of this.followed) {
            const kept = timedLines(lines, filter[container], sinceMs);
            if (kept.length > 0) {
                out.push(`--- ${pod}/${container} (container ${id.replace(/^.*:\/\//, "").slice(0, 12)})`, ...kept);
            }
        }
        return out.join("\n");
    }
}
