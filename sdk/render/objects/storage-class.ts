import type * as k8s from "@pulumi/kubernetes";
import { RedisSettings } from "../../core/settings";
import { commonLabels } from "./labels";

/**
 * The StorageClass the component creates: with `persistence.createStorageClass`, the cloud's
 * recommended disk, expandable (so that `persistence.size` can grow); with
 * `persistence.localVolumes`, the class of the static volumes. Bound when the pod is scheduled
 * (so that a disk is made in the pod's zone), and Retain, so that a deleted claim does not take
 * the disk with it.
 */
export function storageClassFor(settings: RedisSettings) {
    const { persistence } = settings;
    if (!persistence.enabled || !persistence.createdStorageClass || !persistence.storageClassName) {
        return undefined;
    }
    return {
        apiVersion: "storage.k8s.io/v1" as const,
        kind: "StorageClass" as const,
        metadata: { name: persistence.storageClassName, labels: commonLabels(settings) },
        provisioner: persistence.createdStorageClass.provisioner,
        // The API server drops an empty map: render none, so that the render is what is stored.
        ...(Object.keys(persistence.createdStorageClass.parameters).length > 0
            ? { parameters: persistence.createdStorageClass.parameters }
            : {}),
        allowVolumeExpansion: persistence.createdStorageClass.allowVolumeExpansion,
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Retain",
    } satisfies k8s.types.input.storage.v1.StorageClass;
}
