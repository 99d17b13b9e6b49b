import { execFile } from "child_process";
import Redis from "ioredis";
import { ExecResult } from "./cluster";

/** An ioredis client from the host (the host routes every pod CIDR and, through node 1, the ClusterIPs). */
export function connectRedis(host: string, password?: string, options: { connectTimeout?: number } = {}): Redis {
    const redis = new Redis({
        host,
        port: 6379,
        password,
        lazyConnect: true,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        connectTimeout: options.connectTimeout ?? 3000,
    });
    // Refused connections while a pod restarts are expected; the commands report them.
    redis.on("error", () => undefined);
    return redis;
}

/** Connects, runs `use`, disconnects. */
export async function withRedis<T>(host: string, password: string | undefined, use: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = connectRedis(host, password);
    try {
        await redis.connect();
        return await use(redis);
    } finally {
        redis.disconnect();
    }
}

/** The host's redis-cli; the password reaches it through REDISCLI_AUTH, never argv. */
export function redisCli(host: string, args: string[], password?: string, timeoutMs = 10000): Promise<ExecResult> {
    const env = { ...process.env, ...(password ? { REDISCLI_AUTH: password } : {}) };
    if (!password) {
        delete env.REDISCLI_AUTH;
    }
    return new Promise((resolve) => {
        execFile(
            "redis-cli",
            ["--no-auth-warning", "-h", host, "-p", "6379", ...args],
            { env, timeout: timeoutMs },
            (error, stdout, stderr) => {
                resolve({ code: error ? Number((error as NodeJS.ErrnoException).code ?? -1) : 0, stdout, stderr });
            },
        );
    });
}

/**
 * What clients see across a disruption: a client that runs one INCR every `intervalMs` through
 * `host` (reconnecting at once after a failure) records when commands failed.
 */
export class ErrorWindow {
    private readonly redis: Redis;
    private timer?: NodeJS.Timeout;
    private readonly failures: number[] = [];
    private successes = 0;
    private lastSuccess = 0;
    private stopped = false;

    constructor(host: string, password: string, intervalMs = 100) {
        this.redis = new Redis({
            host,
            port: 6379,
            password,
            lazyConnect: false,
            enableOfflineQueue: false,
            enableReadyCheck: false,
            maxRetriesPerRequest: 0,
            commandTimeout: 1000,
            connectTimeout: 1000,
            retryStrategy: () => 50,
        });
        this.redis.on("error", () => undefined);
        const tick = () => {
            if (this.stopped) {
                return;
            }
            const at = Date.now();
            this.redis
                .incr("error-window")
                .then(() => {
                    this.successes++;
                    this.lastSuccess = Date.now();
                })
                .catch(() => this.failures.push(at))
                .finally(() => {
                    if (!this.stopped) {
                        this.timer = setTimeout(tick, intervalMs);
                    }
                });
        };
        tick();
    }

    /** Resolves once a command has succeeded after `since`. */
    async succeededSince(since: number): Promise<boolean> {
        return this.lastSuccess > since;
    }

    /** Stops; the span from the first to the last failed command (0 when none failed). */
    stop(): { failedCommands: number; succeeded: number; windowSeconds: number } {
        this.stopped = true;
        clearTimeout(this.timer);
        this.redis.disconnect();
        const span = this.failures.length > 0 ? this.failures[this.failures.length - 1] - this.failures[0] : 0;
        return { failedCommands: this.failures.length, succeeded: this.successes, windowSeconds: Math.round(span / 100) / 10 };
    }
}
