import { Loose } from "./loose";
/**
 * Validation of rendered Kubernetes objects: the OpenAPI schema (kubernetes-models), then the
 * rules the API server and admission enforce beyond the schema. Schema validity alone would let
 * through, for example, a `local` PersistentVolume without node affinity.
 */

/** OpenAPI schema errors of one object, as "Kind/name: message" lines. */
export function schemaErrors(object: Loose): string[] {
    const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : [undefined, object.apiVersion];
    const modulePath = `kubernetes-models/${group ? `${group}/` : ""}${version}/${object.kind}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Model = require(modulePath)[object.kind];
    try {
        new Model(object).validate();
        return [];
    } catch (error) {
        return [`${object.kind}/${object.metadata?.name}: ${(error as Error).message}`];
    }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RESTRICTED_VOLUME_TYPES = [
    "configMap",
    "secret",
    "emptyDir",
    "persistentVolumeClaim",
    "projected",
    "downwardAPI",
    "csi",
    "ephemeral",
];

/** What the API server (with Pod Security admission at "restricted") would refuse, in a set of objects. */
export function apiServerViolations(objects: Loose[]): string[] {
    const problems: string[] = [];
    const report = (object: Loose, message: string) => problems.push(`${object.kind}/${object.metadata?.name}: ${message}`);
    for (const object of objects) {
        checkMetadata(object, report);
        if (object.kind === "PersistentVolume" && object.spec?.local && !object.spec?.nodeAffinity?.required) {
            report(object, "spec.nodeAffinity: Required value: Local volume requires node affinity");
        }
        if (object.kind === "ConfigMap" || object.kind === "Secret") {
            const data = { ...object.data, ...object.stringData };
            for (const key of Object.keys(data)) {
                if (!CONFIG_KEY.test(key) || key.length > 253) {
                    report(
                        object,
                        `data[${key}]: Invalid value: a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
                    );
                }
            }
            if (JSON.stringify(data).length > 1024 * 1024) {
                report(object, "data: Too long: must have at most 1048576 bytes");
            }
        }
        if (object.kind === "Service") {
            checkService(object, objects, report);
        }
        if (object.kind === "StatefulSet") {
            checkStatefulSet(object, objects, report);
        }
        if (object.kind === "Deployment") {
            checkPodSecurity(object, object.spec.template.spec, report);
        }
    }
    return problems;
}

function checkMetadata(object: Loose, report: (object: Loose, message: string) => void): void {
    const name: string = object.metadata?.name ?? "";
    const nameRule = object.kind === "Service" ? DNS_1035_LABEL : object.kind === "Namespace" ? DNS_LABEL : DNS_SUBDOMAIN;
    if (!nameRule.test(name) || name.length > (object.kind === "Service" || object.kind === "Namespace" ? 63 : 253)) {
        report(object, `metadata.name: Invalid value: "${name}"`);
    }
    for (const [key, value] of Object.entries<string>(object.metadata?.labels ?? {})) {
        if (!LABEL_VALUE.test(value) || value.length > 63) {
            report(object, `metadata.labels[${key}]: Invalid value: "${value}"`);
        }
    }
}

function checkService(service: Loose, objects: Loose[], report: (object: Loose, message: string) => void): void {
    const selected = objects.filter(
        (o) =>
            o.kind === "StatefulSet" &&
            o.metadata.namespace === service.metadata.namespace &&
            Object.entries<string>(service.spec.selector ?? {}).every(([k, v]) => o.spec.template.metadata.labels?.[k] === v),
    );
    if (selected.length === 0) {
        report(service, "spec.selector matches no pod template");
    }
    for (const port of service.spec.ports ?? []) {
        if (
            typeof port.targetPort === "string" &&
            !selected.every((sts) =>
                sts.spec.template.spec.containers.some((c: Loose) => (c.ports ?? []).some((p: Loose) => p.name === port.targetPort)),
            )
        ) {
            report(service, `spec.ports[${port.name}].targetPort "${port.targetPort}" names no container port`);
        }
    }
    if (service.spec.loadBalancerSourceRanges && service.spec.type !== "LoadBalancer") {
        report(service, "spec.loadBalancerSourceRanges: Forbidden: may only be used when type is LoadBalancer");
    }
}

function checkStatefulSet(sts: Loose, objects: Loose[], report: (object: Loose, message: string) => void): void {
    const spec = sts.spec;
    if (sts.metadata.name.length > 52) {
        report(sts, "metadata.name: longer than 52 characters: the controller-revision-hash label of its pods would exceed 63");
    }
    const template = spec.template;
    for (const [key, value] of Object.entries<string>(spec.selector.matchLabels ?? {})) {
        if (template.metadata.labels?.[key] !== value) {
            report(sts, `spec.template.metadata.labels: Invalid value: selector does not match template labels (${key})`);
        }
    }
    const headless = objects.find(
        (o) => o.kind === "Service" && o.metadata.name === spec.serviceName && o.metadata.namespace === sts.metadata.namespace,
    );
    if (!headless || headless.spec.clusterIP !== "None") {
        report(sts, `spec.serviceName: "${spec.serviceName}" is not a headless Service of this set`);
    }
    const pod = template.spec;
    const volumeNames = new Set([
        ...(pod.volumes ?? []).map((v: Loose) => v.name),
        ...(spec.volumeClaimTemplates ?? []).map((t: Loose) => t.metadata.name),
    ]);
    for (const volume of pod.volumes ?? []) {
        const type = Object.keys(volume).find((key) => key !== "name");
        if (!RESTRICTED_VOLUME_TYPES.includes(type ?? "")) {
            report(sts, `volume ${volume.name}: type ${type} is forbidden by Pod Security "restricted"`);
        }
        const source = volume.configMap ?? volume.secret;
        const target = volume.configMap
            ? objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === source.name)
            : volume.secret
              ? objects.find((o) => o.kind === "Secret" && o.metadata.name === source.secretName)
              : undefined;
        for (const item of source?.items ?? []) {
            if (target && !Object.hasOwn({ ...target.data, ...target.stringData }, item.key)) {
                report(sts, `volume ${volume.name}: item key ${item.key} is not in ${target.kind}/${target.metadata.name}`);
            }
        }
    }
    checkPodSecurity(sts, pod, report);
    for (const container of pod.containers) {
        for (const mount of container.volumeMounts ?? []) {
            if (!volumeNames.has(mount.name)) {
                report(sts, `containers[${container.name}].volumeMounts[${mount.name}]: Not found`);
            }
        }
        for (const port of container.ports ?? []) {
            if (port.name && (!PORT_NAME.test(port.name) || port.name.length > 15)) {
                report(sts, `containers[${container.name}].ports[${port.name}]: Invalid value: must be no more than 15 characters`);
            }
        }
        for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            const probe = container[kind];
            if (probe && ["exec", "tcpSocket", "httpGet", "grpc"].filter((handler) => handler in probe).length !== 1) {
                report(sts, `containers[${container.name}].${kind}: must specify exactly one handler`);
            }
            if (kind === "livenessProbe" && probe && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
                report(sts, `containers[${container.name}].livenessProbe.successThreshold: must be 1`);
            }
        }
    }
}

/** The "restricted" Pod Security Standard, as Pod Security admission checks it. */
function checkPodSecurity(sts: Loose, pod: Loose, report: (object: Loose, message: string) => void): void {
    const podContext = pod.securityContext ?? {};
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        const context = container.securityContext ?? {};
        const where = `containers[${container.name}]`;
        if (context.allowPrivilegeEscalation !== false) {
            report(sts, `${where}: allowPrivilegeEscalation != false (restricted)`);
        }
        if (!(context.capabilities?.drop ?? []).includes("ALL")) {
            report(sts, `${where}: must drop ALL capabilities (restricted)`);
        }
        if ((context.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE")) {
            report(sts, `${where}: adds capabilities beyond NET_BIND_SERVICE (restricted)`);
        }
        if ((context.runAsNonRoot ?? podContext.runAsNonRoot) !== true) {
            report(sts, `${where}: runAsNonRoot != true (restricted)`);
        }
        if ((context.runAsUser ?? podContext.runAsUser) === 0) {
            report(sts, `${where}: runAsUser = 0 (restricted)`);
        }
        const seccomp = context.seccompProfile?.type ?? podContext.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
            report(sts, `${where}: seccompProfile must be RuntimeDefault or Localhost (restricted)`);
        }
        if (context.privileged) {
            report(sts, `${where}: privileged (restricted)`);
        }
    }
}
