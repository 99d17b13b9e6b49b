import type * as k8s from "@pulumi/kubernetes";
import { KUBECTL_COPY_CONTAINER, LABELER_CONTAINER, MASTER_ROLE, PATHS, REPLICA_ROLE, ROLE_LABEL, SCRIPTS } from "../../core/constants";
import { podName } from "../../core/names";
import { RedisSettings, SentinelTopology } from "../../core/settings";
import { EnvVar } from "../scripts";
import { metadataFor } from "./labels";
import { containerSecurityContext } from "./pod";
import { scriptSidecar } from "./sentinel";
import { SERVER_VOLUMES } from "./server";

/**
 * Mode sentinel's role labels: each pod runs a labeler (scripts/server/labeler.sh) that keeps the
 * pod's role label current with its server's role, and the primary and read Services select on
 * that label. It runs kubectl, copied at start from `sentinel.kubectlImage` (the server images
 * carry no HTTP client), with the pod's service account, which may read and label this
 * deployment's pods and nothing else. The token is mounted into the labeler alone.
 */

/** The volumes the labeler adds to the pod, by name. */
export const LABELER_VOLUMES = {
    kubectl: "kubectl",
    kubeApi: "kube-api",
} as const;

/** Lifetime of the labeler's token; the kubelet renews it well before it expires. */
const TOKEN_SECONDS = 3600;

/**
 * What the labeler needs: a shell loop that reads its server's role once a second and asks the
 * Sentinels while its server is a master (every 5 s once labelled); kubectl only when the label
 * must change, and every 30 s to check it. Measured before the 5 s recheck: 14 ms of CPU per
 * second beside a replica, 46 beside the master; at most 17 MiB.
 */
export const LABELER_RESOURCES = {
    requests: { cpu: "20m", memory: "32Mi" },
    limits: { memory: "128Mi" },
} as const;

/** Copies kubectl into the pod: an init container, done before the others start. */
export function kubectlCopyContainer(topology: SentinelTopology) {
    return {
        name: KUBECTL_COPY_CONTAINER,
        image: topology.kubectlImage,
        imagePullPolicy: "IfNotPresent",
        command: ["cp", "/bin/kubectl", `${PATHS.kubectlDir}/kubectl`],
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "128Mi" } },
        securityContext: containerSecurityContext(),
        volumeMounts: [{ name: LABELER_VOLUMES.kubectl, mountPath: PATHS.kubectlDir }],
    } satisfies k8s.types.input.core.v1.Container;
}

/** The labeler: a sidecar (an init container with restartPolicy Always); it holds no state. */
export function labelerContainer(settings: RedisSettings, env: EnvVar[]) {
    return scriptSidecar(settings, {
        name: LABELER_CONTAINER,
        script: SCRIPTS.serverLabeler,
        env: [
            ...env,
            { name: "KUBECTL", value: `${PATHS.kubectlDir}/kubectl` },
            { name: "ROLE_LABEL", value: ROLE_LABEL },
            { name: "MASTER_ROLE", value: MASTER_ROLE },
            { name: "REPLICA_ROLE", value: REPLICA_ROLE },
        ],
        resources: LABELER_RESOURCES,
        volumeMounts: [
            { name: SERVER_VOLUMES.tmp, mountPath: PATHS.tmpDir },
            { name: LABELER_VOLUMES.kubectl, mountPath: PATHS.kubectlDir, readOnly: true },
            { name: LABELER_VOLUMES.kubeApi, mountPath: PATHS.kubeApiDir, readOnly: true },
        ],
    });
}

/** kubectl's copy, and the labeler's API credentials where kubectl looks for them in a pod. */
export function labelerVolumes() {
    return [
        { name: LABELER_VOLUMES.kubectl, emptyDir: { sizeLimit: "256Mi" } },
        {
            name: LABELER_VOLUMES.kubeApi,
            projected: {
                defaultMode: 0o440,
                sources: [
                    { serviceAccountToken: { path: "token", expirationSeconds: TOKEN_SECONDS } },
                    { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
                    { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
                ],
            },
        },
    ] satisfies k8s.types.input.core.v1.Volume[];
}

/** The pods' service account. Its token is mounted into the labeler only (see labelerVolumes). */
export function serviceAccountFor(settings: RedisSettings) {
    return {
        apiVersion: "v1" as const,
        kind: "ServiceAccount" as const,
        metadata: metadataFor(settings, settings.names.serviceAccount),
        automountServiceAccountToken: false,
    } satisfies k8s.types.input.core.v1.ServiceAccount;
}

/** Read and label this deployment's pods, by name, and nothing else. */
export function labelerRoleFor(settings: RedisSettings, topology: SentinelTopology) {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1" as const,
        kind: "Role" as const,
        metadata: metadataFor(settings, settings.names.labelerRole),
        rules: [
            {
                apiGroups: [""],
                resources: ["pods"],
                resourceNames: Array.from({ length: topology.servers }, (_, ordinal) => podName(settings.names, ordinal)),
                verbs: ["get", "patch"],
            },
        ],
    } satisfies k8s.types.input.rbac.v1.Role;
}

export function labelerRoleBindingFor(settings: RedisSettings) {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1" as const,
        kind: "RoleBinding" as const,
        metadata: metadataFor(settings, settings.names.labelerRole),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: settings.names.labelerRole },
        subjects: [{ kind: "ServiceAccount", name: settings.names.serviceAccount, namespace: settings.namespace }],
    } satisfies k8s.types.input.rbac.v1.RoleBinding;
}
