import { RedisSettings } from "../settings";
import { configChecksum, configMapData, configMapFor, namespaceFor, passwordSecretFor } from "./config";
import { clientServiceFor, headlessServiceFor } from "./services";
import { statefulSetFor } from "./statefulset";
import { persistentVolumesFor } from "./volumes";

export { configChecksum, configMapData, configMapFor, namespaceFor, passwordSecretFor } from "./config";
export { commonLabels, selectorLabels } from "./labels";
export { clientServiceFor, headlessServiceFor } from "./services";
export { PROBES, statefulSetFor } from "./statefulset";
export { persistentVolumesFor } from "./volumes";

/**
 * Every Kubernetes object of a deployment, in the order they can be applied. `password` is
 * only used when the component creates the Secret.
 */
export function renderManifests<T>(settings: RedisSettings, password: T) {
    return {
        namespace: settings.createNamespace ? namespaceFor(settings) : undefined,
        persistentVolumes: persistentVolumesFor(settings),
        configMap: configMapFor(settings),
        secret: settings.auth.source === "existingSecret" ? undefined : passwordSecretFor(settings, password),
        headlessService: headlessServiceFor(settings),
        clientService: clientServiceFor(settings),
        statefulSet: statefulSetFor(settings, configChecksum(configMapData(settings))),
    };
}
