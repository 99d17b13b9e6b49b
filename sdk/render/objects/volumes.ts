import type * as k8s from "@pulumi/kubernetes";
import { claimName, localVolumePath, persistentVolumeName } from "../../core/names";
import { RedisSettings, serverCount } from "../../core/settings";
import { commonLabels } from "./labels";

/**
 * Static `local` PersistentVolumes, one per ordinal, for clusters without a dynamic provisioner.
 * Each is pre-bound to its ordinal's claim through `claimRef`, so no other claim can take it,
 * and pinned to its node: the API server rejects a `local` volume without node affinity.
 * Retain keeps the data when the claim is deleted.
 */
export function persistentVolumesFor(settings: RedisSettings) {
    const { persistence } = settings;
    if (!persistence.enabled || !persistence.localVolumes) {
        return [];
    }
    const { path, nodeNames } = persistence.localVolumes;
    return Array.from(
        { length: serverCount(settings.topology) },
        (_, ordinal) =>
            ({
                apiVersion: "v1" as const,
                kind: "PersistentVolume" as const,
                metadata: {
                    name: persistentVolumeName(settings.namespace, settings.names, ordinal),
                    labels: commonLabels(settings),
                },
                spec: {
                    capacity: { storage: persistence.size },
                    accessModes: ["ReadWriteOnce"],
                    volumeMode: "Filesystem",
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: persistence.storageClassName,
                    claimRef: {
                        apiVersion: "v1" as const,
                        kind: "PersistentVolumeClaim" as const,
                        namespace: settings.namespace,
                        name: claimName(settings.names, ordinal),
                    },
                    local: { path: localVolumePath(path, settings.namespace, settings.name, ordinal) },
                    nodeAffinity: {
                        required: {
                            nodeSelectorTerms: [
                                {
                                    matchExpressions: [
                                        {
                                            key: "kubernetes.io/hostname",
                                            operator: "In",
                                            values: [nodeNames[ordinal % nodeNames.length]],
                                        },
                                    ],
                                },
                            ],
                        },
                    },
                },
            }) satisfies k8s.types.input.core.v1.PersistentVolume,
    );
}
