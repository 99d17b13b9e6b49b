// Small hand-written objects for the emulator's own tests, written as they would be in YAML.
import { execFile } from "node:child_process";

type Json = Record<string, unknown>;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A readiness probe that passes once redis answers; one-second period to keep tests fast. */
export const redisReadiness = { exec: { command: ["redis-cli", "ping"] }, periodSeconds: 1, timeoutSeconds: 1 };

/** redis-server without persistence (unless args say otherwise), reachable without a password. */
export function redisContainer(extra: Json = {}, args: string[] = []): Json {
    return {
        name: "redis",
        image: "docker.io/library/redis:7.0.15",
        command: ["redis-server", "--port", "6379", "--protected-mode", "no", "--save", "", "--appendonly", "no", ...args],
        readinessProbe: redisReadiness,
        ...extra,
    };
}

/** A container that idles and exits on SIGTERM (a shell as PID 1 ignores it unless trapped). */
export function idleContainer(name: string, extra: Json = {}): Json {
    return shellContainer(name, 'trap "exit 0" TERM; sleep infinity & wait', extra);
}

/** A container running a shell script; `exec sleep` keeps it up without a busy loop. */
export function shellContainer(name: string, script: string, extra: Json = {}): Json {
    return { name, image: "docker.io/library/debian:bookworm", command: ["sh", "-c", script], ...extra };
}

export interface StatefulSetOptions {
    name: string;
    namespace?: string;
    replicas?: number;
    serviceName?: string;
    containers: Json[];
    initContainers?: Json[];
    volumes?: Json[];
    /** Names of volumeClaimTemplates. */
    claims?: string[];
    /** Extra fields of the StatefulSet spec (podManagementPolicy, updateStrategy, ...). */
    spec?: Json;
    /** Extra fields of the pod spec (securityContext, terminationGracePeriodSeconds, ...). */
    podSpec?: Json;
    annotations?: Record<string, string>;
}

export function statefulSet(options: StatefulSetOptions): Json {
    const labels = { app: options.name };
    return {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: options.name, ...(options.namespace ? { namespace: options.namespace } : {}) },
        spec: {
            replicas: options.replicas ?? 1,
            serviceName: options.serviceName ?? options.name,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels, ...(options.annotations ? { annotations: options.annotations } : {}) },
                spec: {
                    terminationGracePeriodSeconds: 2,
                    containers: options.containers,
                    ...(options.initContainers ? { initContainers: options.initContainers } : {}),
                    ...(options.volumes ? { volumes: options.volumes } : {}),
                    ...options.podSpec,
                },
            },
            ...(options.claims
                ? {
                      volumeClaimTemplates: options.claims.map((name) => ({
                          metadata: { name },
                          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
                      })),
                  }
                : {}),
            ...options.spec,
        },
    };
}

export function headlessService(name: string, app: string, extra: Json = {}, namespace?: string): Json {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, ...(namespace ? { namespace } : {}) },
        spec: { clusterIP: "None", selector: { app }, ports: [{ name: "redis", port: 6379 }], ...extra },
    };
}

export function clusterIPService(name: string, app: string, namespace?: string): Json {
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, ...(namespace ? { namespace } : {}) },
        spec: { type: "ClusterIP", selector: { app }, ports: [{ name: "redis", port: 6379, targetPort: 6379 }] },
    };
}

export function configMap(name: string, data: Record<string, string>, namespace?: string): Json {
    return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...(namespace ? { namespace } : {}) }, data };
}

export function secret(
    name: string,
    fields: { data?: Record<string, string>; stringData?: Record<string, string> },
    namespace?: string,
): Json {
    return { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name, ...(namespace ? { namespace } : {}) }, ...fields };
}

/** A log function that keeps every line, and prints them when EMULATOR_LOG is set. */
export function recordingLog(): { log: (line: string) => void; lines: string[] } {
    const lines: string[] = [];
    return {
        lines,
        log: (line) => {
            lines.push(line);
            if (process.env.EMULATOR_LOG) process.stderr.write(`${line}\n`);
        },
    };
}

/** redis-cli from the host (outside every pod); rejects with its stderr when it fails. */
export function hostRedisCli(host: string, ...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("redis-cli", ["-h", host, ...args], { timeout: 3000 }, (error, stdout, stderr) => {
            if (error) reject(new Error(`redis-cli -h ${host} ${args.join(" ")}: ${stderr || error.message}`));
            else resolve(stdout.trim());
        });
    });
}
