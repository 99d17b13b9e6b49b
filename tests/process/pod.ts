import { strict as assert } from "assert";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Redis from "ioredis";
import { freePort } from "../../tools/net";
import { Engine, RedisArgs } from "../../sdk/api/args";
import { PATHS, PodPaths, REDIS_CONF_KEY } from "../../sdk/core/constants";
import { RedisSettings, resolveSettings } from "../../sdk/core/settings";
import { renderRedisConf } from "../../sdk/render/conf/redis-conf";
import { configMapData } from "../../sdk/render/objects/config";
import { serverContainer, serverVolumes } from "../../sdk/render/objects/server";
import { scriptEnv } from "../../sdk/render/scripts";
import { Loose } from "../support/loose";
import { engineBinaries } from "./engines";

/**
 * The Redis server container run on this host as the pod runs it: the rendered ConfigMap laid
 * out by the volumes' items at the container's mount paths, moved under a temporary root; the
 * container's command, probes and environment as rendered. Only redis.conf is rendered again for
 * the root's paths and a free port (it is the one file that names them).
 */
export interface Server extends Pod {
    /** `sh server-start.sh`, which execs the server; or `unshare` around it (pidNamespace). */
    process: ChildProcess;
    /** The server's pid on the host. */
    pid: number;
    log(): string;
    /** Settles with the started process's exit. */
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
    password?: string;
    /** Reuse this root (and its /data): a restart of the same pod. A fresh one otherwise. */
    root?: string;
    port?: number;
    /** Run the server as PID 1 of its own PID namespace, as in a container (needs root). */
    pidNamespace?: boolean;
    /** Run this host's binaries (Debian's redis-server) instead of the image's: the upgrade test's old version. */
    hostBinaries?: boolean;
    /** Wait for "Ready to accept connections" (the default), or return once the process runs. */
    waitReady?: boolean;
}

/** Every container path of PATHS under `root`. */
export function podPaths(root: string): PodPaths {
    return Object.fromEntries(Object.entries(PATHS).map(([name, p]) => [name, path.join(root, p)])) as unknown as PodPaths;
}

/** A fresh pod root with the container's empty directories (/data, /run/redis, ...). */
export function newPodRoot(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "redis-pod-"));
    const paths = podPaths(root);
    for (const dir of [paths.dataDir, paths.runDir, paths.tmpDir, paths.secretDir]) {
        fs.mkdirSync(dir, { recursive: true });
    }
    return root;
}

/** Lays out the ConfigMap's files as the server's configMap volumes mount them, and the password file. */
function layOut(settings: RedisSettings, root: string, port: number, password: string): PodPaths {
    const paths = podPaths(root);
    const data = configMapData(settings);
    assert.equal(data[REDIS_CONF_KEY], renderRedisConf(settings), "the ConfigMap's redis.conf is renderRedisConf's");
    const files: Record<string, string> = { ...data, [REDIS_CONF_KEY]: renderRedisConf(settings, paths, port) };
    const mounts = serverContainer(settings).volumeMounts;
    for (const volume of serverVolumes(settings)) {
        if (!("configMap" in volume) || !volume.configMap) continue;
        const mount = mounts.find((m) => m.name === volume.name);
        assert.ok(mount, `volume ${volume.name} is mounted`);
        const dir = path.join(root, mount.mountPath);
        fs.mkdirSync(dir, { recursive: true });
        for (const item of volume.configMap.items) {
            assert.ok(item.key in files, `ConfigMap key ${item.key}`);
            const file = path.join(dir, item.path);
            fs.rmSync(file, { force: true });
            fs.writeFileSync(file, files[item.key], { mode: volume.configMap.defaultMode });
        }
    }
    fs.rmSync(paths.passwordFile, { force: true });
    fs.writeFileSync(paths.passwordFile, password, { mode: 0o440 });
    return paths;
}

/** A rendered command (`sh <container path> args...`) with its script moved under the root. */
export function inPod(root: string, command: string[]): string[] {
    const [shell, script, ...args] = command;
    assert.equal(shell, "sh");
    assert.ok(script.startsWith(`${PATHS.scriptsDir}/`), script);
    return [shell, path.join(root, script), ...args];
}

/** The host pid of the only child of `pid` (unshare's server), once it exists. */
async function childOf(pid: number): Promise<number> {
    return poll(`a child of ${pid}`, 10000, () => {
        const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
        return children ? Number(children.split(" ")[0]) : undefined;
    });
}

/** The pod's files and environment under a root, ready to start: the container before its process. */
export interface Pod {
    settings: RedisSettings;
    root: string;
    paths: PodPaths;
    port: number;
    password: string;
    env: NodeJS.ProcessEnv;
    /** The container's command, its script under the root. */
    command: string[];
}

/**
 * The pod of `args` for `engine` (the suites run each engine; an `args.engine` or `args.image`
 * given by a test wins).
 */
export async function preparePod(engine: Engine, args: RedisArgs, options: StartOptions = {}): Promise<Pod> {
    const settings = resolveSettings("cache", args.engine === undefined && args.image === undefined ? { ...args, engine } : args);
    const password = options.password ?? "Zq9f3kT0aXw2LrP8mN4vB7cY1dE6gH5j";
    const root = options.root ?? newPodRoot();
    const port = options.port ?? (await freePort());
    const paths = layOut(settings, root, port, password);
    const env: NodeJS.ProcessEnv = {
        PATH: options.hostBinaries ? process.env.PATH : `${binDirOf(settings)}:${process.env.PATH}`,
        ...Object.fromEntries(scriptEnv(settings.engine, paths, port).map(({ name, value }) => [name, value])),
    };
    return { settings, root, paths, port, password, env, command: inPod(root, serverContainer(settings).command) };
}

/** The directory of the settings' engine's image binaries, first on the pod's PATH. */
function binDirOf(settings: RedisSettings): string {
    const binaries = engineBinaries(settings.engine.target.engine);
    if (typeof binaries === "string") throw new Error(binaries);
    return binaries.binDir;
}

export async function startServer(engine: Engine, args: RedisArgs, options: StartOptions = {}): Promise<Server> {
    const pod = await preparePod(engine, args, options);
    const { command, env, port } = pod;
    const child = options.pidNamespace
        ? spawn("unshare", ["--pid", "--fork", "--kill-child", "--", ...command], { env, stdio: ["ignore", "pipe", "pipe"] })
        : spawn(command[0], command.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    const pid = options.pidNamespace ? await childOf(child.pid!) : child.pid!;
    const server: Server = { ...pod, process: child, pid, log: () => output, exited };
    if (options.waitReady ?? true) {
        const binary = pod.settings.engine.serverBinary;
        await poll(`${binary} ready on port ${port}`, 60000, () => {
            if (child.exitCode !== null || child.signalCode !== null) {
                throw new Error(`${binary} exited (${child.exitCode ?? child.signalCode}):\n${output}`);
            }
            return output.includes("Ready to accept connections") || undefined;
        });
    }
    return server;
}

/** SIGKILLs the server if it runs; removes its root unless `keepRoot`. */
export async function stopServer(server: Server | undefined, keepRoot = false): Promise<void> {
    if (!server) return;
    if (server.process.exitCode === null && server.process.signalCode === null) {
        try {
            process.kill(server.pid, "SIGKILL");
        } catch {
            // already gone
        }
        await server.exited;
    }
    if (!keepRoot) {
        fs.rmSync(server.root, { recursive: true, force: true });
    }
}

/** An ioredis client of the server; anonymous without a password. */
export function client(server: Server, password?: string): Redis {
    const redis = new Redis({
        port: server.port,
        host: "127.0.0.1",
        password,
        lazyConnect: true,
        enableReadyCheck: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
    });
    // A server that stops closes its connections: the commands under way reject, which is what
    // the tests look at; the connection's own error event needs no report.
    redis.on("error", () => undefined);
    return redis;
}

export async function configValue(redis: Redis, name: string): Promise<string> {
    return ((await redis.config("GET", name)) as string[])[1];
}

export interface Run {
    code: number;
    output: string;
    ms: number;
}

/** Runs a command with the pod's environment; never throws on a failed exit. */
export function run(server: Pod, command: string[]): Promise<Run> {
    const began = Date.now();
    return new Promise((resolve) => {
        execFile(command[0], command.slice(1), { env: server.env, encoding: "utf8" }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : 128 + (os.constants.signals[error.signal!] ?? 0)) : 0;
            resolve({ code, output: `${stdout}${stderr}`, ms: Date.now() - began });
        });
    });
}

export type ProbeKind = "startup" | "readiness" | "liveness";

/** The rendered exec probe of that kind, run as the kubelet runs it (its command, its timeout). */
export function probe(server: Server, kind: ProbeKind): Promise<Run> {
    const spec = (serverContainer(server.settings) as Loose)[`${kind}Probe`];
    return run(server, inPod(server.root, spec.exec.command));
}

/** The rendered probe's timeoutSeconds, after which the kubelet counts it failed. */
export function probeTimeoutMs(server: Server, kind: ProbeKind): number {
    return (serverContainer(server.settings) as Loose)[`${kind}Probe`].timeoutSeconds * 1000;
}

/** Polls `check` until it returns a value (not undefined), or throws after `ms`. */
export async function poll<T>(what: string, ms: number, check: () => T | undefined | Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
        let value: T | undefined;
        let failure: unknown;
        try {
            value = await check();
        } catch (error) {
            failure = error;
        }
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${failure ? `: ${failure}` : ""}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

/** Skips the suite loudly without root (or fails in CI). */
export function requireRoot(context: Mocha.Context, why: string): void {
    if (process.getuid?.() === 0) return;
    const message = `needs root: ${why}`;
    if (process.env.CI) throw new Error(message);
    console.warn(`\n  !!! SKIPPED "${context.test?.parent?.title}": ${message}\n`);
    context.skip();
}

/** Mounts a tmpfs of `size` on the pod's /data (root only). */
export async function tmpfsData(root: string, size: string): Promise<{ resize(size: string): Promise<void>; unmount(): Promise<void> }> {
    const dir = podPaths(root).dataDir;
    const mount = (...args: string[]) =>
        new Promise<void>((resolve, reject) =>
            execFile("mount", args, (error, _stdout, stderr) =>
                error ? reject(new Error(`mount ${args.join(" ")}: ${stderr}`)) : resolve(),
            ),
        );
    await mount("-t", "tmpfs", "-o", `size=${size},mode=0777`, "tmpfs", dir);
    return {
        resize: (newSize) => mount("-o", `remount,size=${newSize}`, dir),
        unmount: () => new Promise<void>((resolve) => execFile("umount", ["-l", dir], () => resolve())),
    };
}
