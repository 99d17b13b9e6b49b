import type * as k8s from "@pulumi/kubernetes";
import { VolumeRetention } from "../../api/args";
import { AUTH_VERSION_ANNOTATION, CONFIG_CHECKSUM_ANNOTATION, REDIS_CONTAINER } from "../../core/constants";
import { RedisSettings } from "../../core/settings";
import { dataClaimsFor } from "../objects/claims";
import { configChecksum, configMapData, configMapFor } from "../objects/config";
import { selectorLabels } from "../objects/labels";
import { namespaceFor } from "../objects/namespace";
import { passwordSecretFor } from "../objects/secret";
import { serverClaimTemplates } from "../objects/server";
import { headlessServiceFor, sentinelServicePort } from "../objects/services";
import { statefulSetFor } from "../objects/statefulset";
import { storageClassFor } from "../objects/storage-class";
import { persistentVolumesFor } from "../objects/volumes";
import { DeployTimeValues, HostAlias, Rendered } from "../rendered";

/** What a topology puts into the StatefulSet of its servers. */
export interface ServerSetParts {
    replicas: number;
    podSpec: k8s.types.input.core.v1.PodSpec;
    /** Ports the headless Service publishes besides the server's. */
    headlessPorts: (typeof sentinelServicePort)[];
    podManagementPolicy: "OrderedReady" | "Parallel";
    /** Objects the pods need to exist before they are created (a service account), added before the StatefulSet. */
    podPrerequisites?: Omit<Rendered, "after">[];
    /** Host names the pods resolve from /etc/hosts to a prerequisite Service's cluster IP. */
    hostAliases?: HostAlias[];
}

/**
 * The objects every topology's servers stand on: the namespace when asked for, the storage, the
 * ConfigMap, the password Secret, the headless Service and the StatefulSet. The topology adds its
 * client-facing objects. Returns the entries and a function to add more, keyed as the shell
 * names them.
 */
export function renderServerSet<T>(settings: RedisSettings, values: DeployTimeValues<T>, parts: ServerSetParts) {
    const { names } = settings;
    const rendered: Rendered[] = [];
    const add = (entry: Rendered) => (rendered.push(entry), entry.key);
    const namespace = settings.createNamespace
        ? [add({ key: "namespace", object: namespaceFor(settings), after: [], retainOnDelete: true })]
        : [];

    const retainClaims = settings.persistence.whenDeleted === VolumeRetention.Retain;
    // A retained claim keeps its volume Bound: deleting the volume would wait forever on the
    // pv-protection finalizer, so the volume is retained with it.
    const storageClassObject = storageClassFor(settings);
    const storageClass = storageClassObject
        ? [add({ key: "storage-class", object: storageClassObject, after: [], retainOnDelete: retainClaims })]
        : [];
    // A local disk cannot grow: its declared capacity stays what it was, and the API server
    // refuses the larger claim, so that a bigger persistence.size fails instead of lying.
    const volumes = persistentVolumesFor(settings).map((object, ordinal) =>
        add({
            key: `data-${ordinal}`,
            object,
            after: [...namespace, ...storageClass],
            replaceFirst: true,
            retainOnDelete: retainClaims,
            ignoreChanges: ["spec.capacity"],
        }),
    );
    // A class cannot change in place: a changed storageClassName applies to claims created later,
    // and moving existing data to another class is a migration (README, "Volumes").
    const claims = dataClaimsFor(settings).map((object, ordinal) =>
        add({
            key: `claim-${ordinal}`,
            object,
            after: [...namespace, ...storageClass, ...volumes.slice(ordinal, ordinal + 1)],
            retainOnDelete: retainClaims,
            ignoreChanges: ["spec.storageClassName", "spec.volumeName"],
        }),
    );
    const config = add({ key: "config", object: configMapFor(settings), after: namespace });
    const secret =
        settings.auth.source === "existingSecret"
            ? []
            : [
                  add({
                      key: "auth",
                      object: passwordSecretFor(settings, values.password),
                      after: namespace,
                      secretFields: ["data", "stringData"],
                  }),
              ];
    const headless = add({ key: "headless", object: headlessServiceFor(settings, parts.headlessPorts), after: namespace });
    const prerequisites = (parts.podPrerequisites ?? []).map((entry) => add({ ...entry, after: namespace }));

    const statefulSet = statefulSetFor(
        settings,
        {
            name: names.statefulSet,
            serviceName: names.headlessService,
            replicas: parts.replicas,
            podManagementPolicy: parts.podManagementPolicy,
            claims: serverClaimTemplates(settings, selectorLabels(settings)),
            defaultContainer: REDIS_CONTAINER,
            podSpec: parts.podSpec,
        },
        { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(configMapData(settings)), [AUTH_VERSION_ANNOTATION]: values.authVersion },
    );
    // Names are fixed, so a replacement must delete the old object first; the claims are the
    // component's own and survive it. The claim template never changes in place (Kubernetes
    // forbids it): the claims are resized instead.
    add({
        key: "statefulset",
        object: statefulSet,
        after: [...namespace, ...claims, config, headless, ...secret, ...prerequisites],
        replaceFirst: true,
        ignoreChanges: ["spec.volumeClaimTemplates"],
        ...(parts.hostAliases ? { hostAliases: parts.hostAliases } : {}),
    });
    return { rendered, add, namespace };
}
