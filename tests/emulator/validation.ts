// Refusal before anything runs: every object is checked against schema.ts (implemented,
// ignored, or refused by path) and against the rules the API server or kubelet would enforce
// and that the emulator relies on. All problems are reported at once.
import { isOfficialRedisImage } from "./container-config";
import { IGNORED_FIELDS, KINDS, OBJECT_META, Rule } from "./schema";
import { ObjectStore, isBase64 } from "./store";
import { Container, PodSpec, Service, StatefulSet, StringMap, objectKey } from "./types";

export class EmulatorRefusal extends Error {
    constructor(readonly problems: string[]) {
        super(`the pod emulator refuses these objects:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "EmulatorRefusal";
    }
}

const IGNORED = new Set(IGNORED_FIELDS);
type Json = Record<string, unknown>;
type Report = (message: string) => void;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function walk(value: unknown, rule: Rule, path: string, report: Report): void {
    switch (rule.kind) {
        case "ignored":
            return;
        case "string":
            if (typeof value !== "string") report(`${path} must be a string`);
            return;
        case "integer":
            if (!Number.isInteger(value)) report(`${path} must be an integer`);
            return;
        case "boolean":
            if (typeof value !== "boolean") report(`${path} must be a boolean`);
            return;
        case "stringOrInteger":
            if (typeof value !== "string" && !Number.isInteger(value)) report(`${path} must be a string or an integer`);
            return;
        case "only":
            if (!rule.values.includes(value)) {
                const allowed = rule.values.map((v) => JSON.stringify(v)).join(" or ");
                report(`${path}=${JSON.stringify(value)} is not implemented by the emulator (only ${allowed})`);
            }
            return;
        case "emptyList":
            if (!Array.isArray(value) || value.length > 0) report(`${path}=${JSON.stringify(value)} is not implemented by the emulator`);
            return;
        case "map":
            if (!isObject(value) || Object.values(value).some((v) => typeof v !== "string")) report(`${path} must map strings to strings`);
            return;
        case "stringList":
            if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) report(`${path} must be a list of strings`);
            return;
        case "array":
            if (!Array.isArray(value)) report(`${path} must be a list`);
            else value.forEach((item, i) => walk(item, rule.of, `${path}[${i}]`, report));
            return;
        case "object":
            if (!isObject(value)) {
                report(`${path || "the object"} must be an object`);
                return;
            }
            for (const required of rule.required) {
                if (value[required] === undefined || value[required] === null) report(`${join(path, required)} is required`);
            }
            for (const [key, child] of Object.entries(value)) {
                if (child === undefined || child === null) continue;
                const childRule = rule.fields[key];
                if (childRule) walk(child, childRule, join(path, key), report);
                else if (!IGNORED.has(`${rule.type}.${key}`) && !(path === "" && IGNORED.has(`Object.${key}`))) {
                    report(`${join(path, key)} is not implemented by the emulator`);
                }
            }
    }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const FIELD_PATHS = [
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "status.podIP",
    "status.podIPs",
    "status.hostIP",
    "status.hostIPs",
    "spec.nodeName",
    "spec.serviceAccountName",
];

function exactlyOne(value: Json | undefined, keys: string[], path: string, report: Report): void {
    if (!value) return;
    const present = keys.filter((key) => value[key] !== undefined && value[key] !== null);
    if (present.length !== 1) report(`${path} needs exactly one of ${keys.join(", ")}`);
}

function checkContainer(c: Container, path: string, spec: PodSpec, volumeNames: Set<string>, report: Report): void {
    if (!c.command && !isOfficialRedisImage(c.image)) {
        report(`${path}.command is required by the emulator for image ${c.image} (its entrypoint is unknown here)`);
    }
    const pod = spec.securityContext ?? {};
    const own = c.securityContext ?? {};
    const uid = own.runAsUser ?? pod.runAsUser ?? 0;
    if ((own.runAsNonRoot ?? pod.runAsNonRoot) === true && uid === 0) {
        report(`${path}: runAsNonRoot is true but the container would run as uid 0 (kubelet refuses to start it)`);
    }
    (c.volumeMounts ?? []).forEach((mount, i) => {
        const at = `${path}.volumeMounts[${i}]`;
        if (!volumeNames.has(mount.name)) report(`${at}.name: no volume named "${mount.name}"`);
        if (!mount.mountPath.startsWith("/")) report(`${at}.mountPath must be absolute`);
        if (mount.subPath !== undefined && (mount.subPath.startsWith("/") || mount.subPath.split("/").includes(".."))) {
            report(`${at}.subPath must be a relative path without ".."`);
        }
    });
    for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
        const probe = c[kind];
        if (!probe) continue;
        exactlyOne(probe as unknown as Json, ["exec", "tcpSocket"], `${path}.${kind}`, report);
        const port = probe.tcpSocket?.port;
        if (typeof port === "string" && !(c.ports ?? []).some((p) => p.name === port)) {
            report(`${path}.${kind}.tcpSocket.port: no container port named "${port}"`);
        }
        if (kind !== "readinessProbe" && (probe.successThreshold ?? 1) !== 1) report(`${path}.${kind}.successThreshold must be 1`);
    }
    for (const hook of ["preStop", "postStart"] as const) {
        exactlyOne(c.lifecycle?.[hook] as Json | undefined, ["exec", "sleep"], `${path}.lifecycle.${hook}`, report);
    }
    (c.env ?? []).forEach((variable, i) => {
        exactlyOne(
            variable.valueFrom as Json | undefined,
            ["fieldRef", "secretKeyRef", "configMapKeyRef"],
            `${path}.env[${i}].valueFrom`,
            report,
        );
        const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
        if (fieldPath && !FIELD_PATHS.includes(fieldPath) && !/^metadata\.(labels|annotations)\['.+'\]$/.test(fieldPath)) {
            report(`${path}.env[${i}].valueFrom.fieldRef.fieldPath=${fieldPath} is not implemented by the emulator`);
        }
    });
    (c.envFrom ?? []).forEach((source, i) =>
        exactlyOne(source as unknown as Json, ["configMapRef", "secretRef"], `${path}.envFrom[${i}]`, report),
    );
}

function checkPodSpec(spec: PodSpec, path: string, claimTemplates: string[], report: Report): void {
    const volumeNames = new Set([...(spec.volumes ?? []).map((v) => v.name), ...claimTemplates]);
    (spec.volumes ?? []).forEach((v, i) => {
        exactlyOne(v as unknown as Json, ["configMap", "secret", "emptyDir", "persistentVolumeClaim"], `${path}.volumes[${i}]`, report);
    });
    const names = new Set<string>();
    const all = [
        ...(spec.initContainers ?? []).map((c, i) => [c, `initContainers[${i}]`] as const),
        ...spec.containers.map((c, i) => [c, `containers[${i}]`] as const),
    ];
    for (const [container, where] of all) {
        if (names.has(container.name)) report(`${path}.${where}.name: duplicate container name "${container.name}"`);
        names.add(container.name);
        checkContainer(container, `${path}.${where}`, spec, volumeNames, report);
    }
}

function selectorMatches(selector: StringMap | undefined, labels: StringMap | undefined): boolean {
    return !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function checkStatefulSet(sts: StatefulSet, store: ObjectStore | undefined, report: Report): void {
    if (!DNS_LABEL.test(sts.metadata.name)) report(`metadata.name must be a DNS label (it names the pods' hosts)`);
    const spec = sts.spec;
    if (!selectorMatches(spec.selector.matchLabels, spec.template.metadata?.labels)) {
        report("spec.selector does not match spec.template.metadata.labels");
    }
    checkPodSpec(
        spec.template.spec,
        "spec.template.spec",
        (spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name),
        report,
    );
    const existing = store?.statefulSets.get(objectKey(sts.metadata.namespace ?? "default", sts.metadata.name));
    if (existing) {
        const fixed = (s: StatefulSet) =>
            JSON.stringify([
                s.spec.selector,
                s.spec.serviceName,
                s.spec.volumeClaimTemplates,
                s.spec.podManagementPolicy ?? "OrderedReady",
            ]);
        if (fixed(existing) !== fixed(sts)) {
            report(
                "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
            );
        }
    }
}

/**
 * Without kube-proxy a client reaches a ClusterIP Service by connecting to a pod IP on the port
 * it asked for, so the Service port must be the port the pods listen on.
 */
function checkService(service: Service, templates: StatefulSet[], report: Report): void {
    if (service.spec.clusterIP === "None") return;
    const namespace = service.metadata.namespace ?? "default";
    const selected = templates.filter(
        (sts) =>
            (sts.metadata.namespace ?? "default") === namespace &&
            selectorMatches(service.spec.selector, sts.spec.template.metadata?.labels),
    );
    (service.spec.ports ?? []).forEach((port, i) => {
        const target = port.targetPort ?? port.port;
        const numbers =
            typeof target === "number"
                ? [target]
                : selected.flatMap((sts) =>
                      sts.spec.template.spec.containers.flatMap((c) =>
                          (c.ports ?? []).filter((p) => p.name === target).map((p) => p.containerPort),
                      ),
                  );
        for (const number of new Set(numbers)) {
            if (number !== port.port) {
                report(
                    `spec.ports[${i}]: targetPort ${number} differs from port ${port.port}, which needs kube-proxy (not implemented by the emulator)`,
                );
            }
        }
    });
}

function checkData(object: Json, report: Report): void {
    for (const field of object.kind === "Secret" ? ["data"] : ["binaryData"]) {
        for (const [key, value] of Object.entries((object[field] as StringMap | undefined) ?? {})) {
            if (typeof value === "string" && !isBase64(value)) report(`${field}.${key} is not valid base64`);
        }
    }
}

/** Every problem with `objects`, as "<Kind> <name>: <path> ..." lines; empty when all can run. */
export function validateObjects(objects: unknown[], store?: ObjectStore): string[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    const statefulSets = [
        ...(store ? [...store.statefulSets.values()] : []),
        ...objects.filter((o): o is StatefulSet => isObject(o) && o.kind === "StatefulSet" && isObject(o.spec)),
    ];
    objects.forEach((object, index) => {
        if (!isObject(object)) {
            problems.push(`objects[${index}] is not an object`);
            return;
        }
        const meta = isObject(object.metadata) ? object.metadata : {};
        const label = `${String(object.kind)} ${typeof meta.name === "string" ? meta.name : `objects[${index}]`}`;
        const before = problems.length;
        const report: Report = (message) => problems.push(`${label}: ${message}`);
        const rule = KINDS[`${String(object.apiVersion)} ${String(object.kind)}`];
        if (!rule) {
            report(`kind ${String(object.apiVersion)} ${String(object.kind)} is not implemented by the emulator`);
            return;
        }
        walk(object.metadata, OBJECT_META, "metadata", report);
        const { apiVersion: _apiVersion, kind: _kind, metadata: _metadata, ...rest } = object;
        walk(rest, rule, "", report);
        if (problems.length > before) return;
        const key = `${String(object.kind)} ${String(meta.namespace ?? "default")}/${String(meta.name)}`;
        if (seen.has(key)) report("appears twice");
        seen.add(key);
        if (object.kind === "StatefulSet") checkStatefulSet(object as unknown as StatefulSet, store, report);
        if (object.kind === "Service") checkService(object as unknown as Service, statefulSets, report);
        if (object.kind === "Secret" || object.kind === "ConfigMap") checkData(object, report);
    });
    return problems;
}

export function assertValid(objects: unknown[], store?: ObjectStore): void {
    const problems = validateObjects(objects, store);
    if (problems.length > 0) throw new EmulatorRefusal(problems);
}
