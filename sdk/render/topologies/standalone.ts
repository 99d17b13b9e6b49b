import { RedisSettings } from "../../core/settings";
import { configChecksum, configMapData, configMapFor } from "../objects/config";
import { namespaceFor } from "../objects/namespace";
import { podBase } from "../objects/pod";
import { passwordSecretFor } from "../objects/secret";
import { serverClaimTemplates, serverContainer, serverVolumes } from "../objects/server";
import { clientServiceFor, headlessServiceFor } from "../objects/services";
import { statefulSetFor } from "../objects/statefulset";
import { persistentVolumesFor } from "../objects/volumes";
import { dataClaimsFor } from "../objects/claims";
import { storageClassFor } from "../objects/storage-class";
import { VolumeRetention } from "../../api/args";
import { selectorLabels } from "../objects/labels";
import { AUTH_VERSION_ANNOTATION, CONFIG_CHECKSUM_ANNOTATION, REDIS_CONTAINER } from "../../core/constants";
import { DeployTimeValues, Rendered } from "../rendered";

/**
 * Every object of a standalone deployment: one Redis server in a StatefulSet of one pod, its
 * configuration, password, volumes and Services. The password is only used when the component
 * creates the Secret.
 */
export function renderStandalone<T>(settings: RedisSettings, values: DeployTimeValues<T>): Rendered[] {
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
    const headless = add({ key: "headless", object: headlessServiceFor(settings), after: namespace });
    add({ key: "client", object: clientServiceFor(settings), after: namespace });

    const statefulSet = statefulSetFor(
        settings,
        {
            name: names.statefulSet,
            serviceName: names.headlessService,
            replicas: 1,
            claims: serverClaimTemplates(settings, selectorLabels(settings)),
            defaultContainer: REDIS_CONTAINER,
            podSpec: { ...podBase(settings), containers: [serverContainer(settings)], volumes: serverVolumes(settings) },
        },
        { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(configMapData(settings)), [AUTH_VERSION_ANNOTATION]: values.authVersion },
    );
    // Names are fixed, so a replacement must delete the old object first; the claims are the
    // component's own and survive it. The claim template never changes in place (Kubernetes
    // forbids it): the claims are resized instead.
    add({
        key: "statefulset",
        object: statefulSet,
        after: [...namespace, ...claims, config, headless, ...secret],
        replaceFirst: true,
        ignoreChanges: ["spec.volumeClaimTemplates"],
    });
    return rendered;
}
