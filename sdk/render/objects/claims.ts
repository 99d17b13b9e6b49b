import type * as k8s from "@pulumi/kubernetes";
import { claimName, persistentVolumeName } from "../../core/names";
import { RedisSettings, serverCount } from "../../core/settings";
import { SKIP_AWAIT_ANNOTATION } from "../../core/constants";
import { metadataFor, selectorLabels } from "./labels";

/**
 * The data claims, one per ordinal, under the names the StatefulSet controller gives the claims
 * of its template, so that the controller adopts them instead of creating its own.
 *
 * Owning the claims is what makes a volume growable: a claim's requested size can be raised in
 * place (the StorageClass must allow expansion), while a StatefulSet's claim template can never
 * change. They also make deletion explicit: a claim is deleted only with the component and
 * only when `persistence.whenDeleted` is Delete, never by the replacement of a StatefulSet.
 */
export function dataClaimsFor(settings: RedisSettings) {
    const { persistence, names } = settings;
    if (!persistence.enabled) {
        return [];
    }
    return Array.from(
        { length: serverCount(settings.topology) },
        (_, ordinal) =>
            ({
                apiVersion: "v1" as const,
                kind: "PersistentVolumeClaim" as const,
                metadata: {
                    ...metadataFor(settings, claimName(names, ordinal)),
                    labels: selectorLabels(settings),
                    // The Kubernetes provider's wait on a claim of a WaitForFirstConsumer class never
                    // ends on an update (a resize) of a claim that is already bound. A claim is ready
                    // when its pod is, which the StatefulSet's wait proves.
                    annotations: { [SKIP_AWAIT_ANNOTATION]: "true" },
                },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    ...(persistence.storageClassName ? { storageClassName: persistence.storageClassName } : {}),
                    ...(persistence.localVolumes ? { volumeName: persistentVolumeName(settings.namespace, names, ordinal) } : {}),
                    resources: { requests: { storage: persistence.size } },
                },
            }) satisfies k8s.types.input.core.v1.PersistentVolumeClaim,
    );
}
