// What a container is given when it starts: its command, environment and identity, resolved
// from the pod spec the way kubelet and the container runtime resolve them.
import { execFileSync } from "node:child_process";
import { CONTAINER_PATH, homeOf } from "./host";
import { Identity } from "./containers";
import { ObjectStore, configMapData, secretData } from "./store";
import { Container, PodSpec, StringMap } from "./types";

/** The downward-API facts about a pod that env fieldRefs can read. */
export interface PodFacts {
    name: string;
    namespace: string;
    uid: string;
    ip: string;
    hostIP: string;
    nodeName: string;
    hostname: string;
    labels: StringMap;
    annotations: StringMap;
}

export function normalizeImage(image: string): string {
    const [first] = image.split("/");
    const hasRegistry = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    let reference = hasRegistry ? image : `docker.io/${image.includes("/") ? image : `library/${image}`}`;
    const lastPart = reference.slice(reference.lastIndexOf("/") + 1);
    if (!lastPart.includes(":") && !lastPart.includes("@")) reference += ":latest";
    return reference;
}

/** Whether the image is the official Redis image, whose entrypoint the emulator can stand in for. */
export function isOfficialRedisImage(image: string): boolean {
    return /^docker\.io\/library\/redis[:@]/.test(normalizeImage(image));
}

let hostRedisVersion: string | undefined;
function redisVersion(): string {
    if (hostRedisVersion === undefined) {
        try {
            const text = execFileSync("redis-server", ["--version"], { encoding: "utf8", env: { PATH: CONTAINER_PATH } });
            hostRedisVersion = /v=(\S+)/.exec(text)?.[1] ?? "unknown";
        } catch {
            hostRedisVersion = "missing";
        }
    }
    return hostRedisVersion;
}

/** The log line that says what an image stands for on this machine (images are never pulled). */
export function describeImage(image: string): string {
    const reference = normalizeImage(image);
    if (/redis/.test(reference.slice(reference.lastIndexOf("/") + 1))) {
        const version = redisVersion();
        const tag = /:(\d+\.\d+(?:\.\d+)?)/.exec(reference.slice(reference.lastIndexOf("/")))?.[1];
        const mismatch = tag && !version.startsWith(tag) ? ` (the image tag asks for ${tag})` : "";
        return `image ${reference} -> host binaries redis-server ${version}${mismatch}`;
    }
    return `image ${reference} -> host binaries (PATH=${CONTAINER_PATH})`;
}

/**
 * The command a container runs. Without `command` an image's entrypoint applies; only the
 * official Redis image's is known (docker-entrypoint.sh prepends redis-server to arguments
 * that start with "-" or name a .conf file). Validation refuses other images without command.
 */
export function containerArgv(container: Container): string[] {
    const args = container.args ?? [];
    if (container.command) return [...container.command, ...args];
    if (args.length === 0) return ["redis-server"];
    return args[0].startsWith("-") || args[0].endsWith(".conf") ? ["redis-server", ...args] : args;
}

/** Kubernetes' $(VAR) expansion in env values, command and args; $$ escapes, unknown names stay. */
export function expandVars(text: string, env: Record<string, string>): string {
    return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
        if (match === "$$") return "$";
        return name !== undefined && name in env ? env[name] : match;
    });
}

function fieldValue(fieldPath: string, pod: PodFacts): string {
    const labelMatch = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
    if (labelMatch) return (labelMatch[1] === "labels" ? pod.labels : pod.annotations)[labelMatch[2]] ?? "";
    const values: Record<string, string> = {
        "metadata.name": pod.name,
        "metadata.namespace": pod.namespace,
        "metadata.uid": pod.uid,
        "status.podIP": pod.ip,
        "status.podIPs": pod.ip,
        "status.hostIP": pod.hostIP,
        "status.hostIPs": pod.hostIP,
        "spec.nodeName": pod.nodeName,
        "spec.serviceAccountName": "default",
    };
    return values[fieldPath];
}

export class ConfigError extends Error {}

/**
 * The container's environment, built like the runtime's: image defaults (PATH, HOSTNAME, HOME),
 * then envFrom sources, then env entries in order with $(VAR) expansion. A missing required
 * ConfigMap, Secret or key is a ConfigError (kubelet's CreateContainerConfigError).
 */
export function containerEnv(container: Container, pod: PodFacts, store: ObjectStore, uid: number): Record<string, string> {
    const env: Record<string, string> = { PATH: CONTAINER_PATH, HOSTNAME: pod.hostname };
    for (const source of container.envFrom ?? []) {
        const prefix = source.prefix ?? "";
        if (source.configMapRef) {
            const configMap = store.configMap(pod.namespace, source.configMapRef.name);
            if (!configMap && !source.configMapRef.optional) throw new ConfigError(`configmap "${source.configMapRef.name}" not found`);
            if (configMap) for (const [key, value] of configMapData(configMap)) env[prefix + key] = value.toString();
        }
        if (source.secretRef) {
            const secret = store.secret(pod.namespace, source.secretRef.name);
            if (!secret && !source.secretRef.optional) throw new ConfigError(`secret "${source.secretRef.name}" not found`);
            if (secret) for (const [key, value] of secretData(secret)) env[prefix + key] = value.toString();
        }
    }
    for (const variable of container.env ?? []) {
        const from = variable.valueFrom;
        if (!from) {
            env[variable.name] = expandVars(variable.value ?? "", env);
        } else if (from.fieldRef) {
            env[variable.name] = fieldValue(from.fieldRef.fieldPath, pod);
        } else {
            const selector = (from.secretKeyRef ?? from.configMapKeyRef)!;
            const isSecret = from.secretKeyRef !== undefined;
            const secret = isSecret ? store.secret(pod.namespace, selector.name) : undefined;
            const configMap = isSecret ? undefined : store.configMap(pod.namespace, selector.name);
            const object = secret ?? configMap;
            const data = secret ? secretData(secret) : configMap ? configMapData(configMap) : undefined;
            const value = data?.get(selector.key);
            if (value !== undefined) env[variable.name] = value.toString();
            else if (!selector.optional) {
                const kind = isSecret ? "secret" : "configmap";
                throw new ConfigError(
                    object ? `couldn't find key ${selector.key} in ${kind} ${selector.name}` : `${kind} "${selector.name}" not found`,
                );
            }
        }
    }
    if (!("HOME" in env)) env.HOME = homeOf(uid);
    return env;
}

/** uid, gid and groups: the container's securityContext wins over the pod's; fsGroup joins the groups. */
export function containerIdentity(spec: PodSpec, container: Container): Identity {
    const pod = spec.securityContext ?? {};
    const own = container.securityContext ?? {};
    const groups = [...(pod.fsGroup !== undefined ? [pod.fsGroup] : []), ...(pod.supplementalGroups ?? [])];
    return {
        uid: own.runAsUser ?? pod.runAsUser ?? 0,
        gid: own.runAsGroup ?? pod.runAsGroup ?? 0,
        groups: [...new Set(groups)],
        noNewPrivs: own.allowPrivilegeEscalation === false,
    };
}
