import type * as k8s from "@pulumi/kubernetes";
import { RedisSettings } from "../../core/settings";
import { commonLabels } from "./labels";

/**
 * The StorageClass the component creates when `persistence.createStorageClass` is set: the
 * cloud's recommended disk, expandable (so that `persistence.size` can grow), bound when the pod
 * is scheduled (so that the disk is made in the pod's zone), and Retain, so that a deleted claim
 * does not take the disk with it.
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
        parameters: persistence.createdStorageClass.parameters,
        allowVolumeExpansion: true,
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Retain",
    } satisfies k8s.types.input.storage.v1.StorageClass;
}
