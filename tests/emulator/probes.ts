// Probe workers with kubelet's timing and threshold rules (pkg/kubelet/prober/worker.go):
// the first probe runs as soon as the worker starts, later ones once per period; probes before
// initialDelaySeconds are skipped; a result only counts once it repeats `threshold` times.
import { Container, Probe } from "./types";

export type ProbeKind = "startup" | "readiness" | "liveness";

export interface ProbeRunner {
    /** Runs argv in the container; true on exit 0 within the timeout (a timed-out probe is killed). */
    exec(argv: string[], timeoutMs: number): Promise<boolean>;
    /** Opens a TCP connection to the pod IP on `port`. */
    tcp(port: number, timeoutMs: number): Promise<boolean>;
}

export const PROBE_DEFAULTS = {
    initialDelaySeconds: 0,
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
};

/** A tcpSocket port may name one of the container's ports. Validation guarantees the name exists. */
export function probePort(port: number | string, container: Container): number {
    if (typeof port === "number") return port;
    const named = (container.ports ?? []).find((p) => p.name === port);
    if (!named) throw new Error(`container ${container.name} has no port named ${port}`);
    return named.containerPort;
}

export class ProbeWorker {
    private stopped = false;
    private lastResult: boolean | undefined;
    private run = 0;
    private timer: NodeJS.Timeout | undefined;
    private wake: ((manual: boolean) => void) | undefined;

    /**
     * @param gate probes are skipped while it returns false (readiness and liveness wait for startup)
     * @param onResult called when a result crosses its threshold
     */
    constructor(
        readonly kind: ProbeKind,
        private readonly probe: Probe,
        private readonly container: Container,
        private readonly runner: ProbeRunner,
        private readonly msPerSecond: number,
        private readonly gate: () => boolean,
        private readonly onResult: (success: boolean) => void,
    ) {}

    start(): void {
        void this.loop();
    }

    stop(): void {
        this.stopped = true;
        if (this.timer) clearTimeout(this.timer);
        this.wake?.(false);
    }

    private setting(name: keyof typeof PROBE_DEFAULTS): number {
        return this.probe[name] ?? PROBE_DEFAULTS[name];
    }

    /** Whether any probe result has been recorded yet. */
    get hasResult(): boolean {
        return this.lastResult !== undefined;
    }

    /**
     * Probes now, outside the period. kubelet does this for a readiness probe without a result
     * when the pod's status changes (a startup probe passing, say), so readiness need not wait
     * for the next tick.
     */
    trigger(): void {
        this.wake?.(true);
    }

    private async loop(): Promise<void> {
        const startedAt = Date.now();
        const period = this.setting("periodSeconds") * this.msPerSecond;
        let nextTick = startedAt + period;
        while (!this.stopped) {
            if (this.gate() && Date.now() - startedAt >= this.setting("initialDelaySeconds") * this.msPerSecond) {
                const success = await this.attempt();
                if (this.stopped) return;
                this.record(success);
            }
            const manual = await new Promise<boolean>((resolve) => {
                this.wake = resolve;
                this.timer = setTimeout(() => resolve(false), Math.max(0, nextTick - Date.now()));
            });
            if (this.timer) clearTimeout(this.timer);
            if (manual) continue;
            // Ticks missed while a slow probe ran are dropped, as with kubelet's ticker.
            nextTick += period;
            while (nextTick < Date.now()) nextTick += period;
        }
    }

    private attempt(): Promise<boolean> {
        const timeoutMs = this.setting("timeoutSeconds") * this.msPerSecond;
        if (this.probe.exec) return this.runner.exec(this.probe.exec.command, timeoutMs);
        return this.runner.tcp(probePort(this.probe.tcpSocket!.port, this.container), timeoutMs);
    }

    private record(success: boolean): void {
        if (this.lastResult === success) {
            this.run++;
        } else {
            this.lastResult = success;
            this.run = 1;
        }
        const threshold = success ? this.setting("successThreshold") : this.setting("failureThreshold");
        if (this.run >= threshold) this.onResult(success);
    }
}
