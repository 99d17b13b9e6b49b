import { RedisSettings } from "../../core/settings";
import { configChecksum, configMapData, configMapFor } from "../objects/config";
import { namespaceFor } from "../objects/namespace";
import { podBase } from "../objects/pod";
import { passwordSecretFor } from "../objects/secret";
import { serverClaimTemplates, serverContainer, serverVolumes } from "../objects/server";
import { clientServiceFor, headlessServiceFor } from "../objects/services";
import { statefulSetFor } from "../objects/statefulset";
import { persistentVolumesFor } from "../objects/volumes";
import { selectorLabels } from "../objects/labels";
import { REDIS_CONTAINER } from "../../core/constants";
import { Rendered } from "../rendered";

/**
 * Every object of a standalone deployment: one Redis server in a StatefulSet of one pod, its
 * configuration, password, volumes and Services. `password` is only used when the component
 * creates the Secret.
 */
export function renderStandalone<T>(settings: RedisSettings, password: T): Rendered[] {
    const { names } = settings;
    const rendered: Rendered[] = [];
    const add = (entry: Rendered) => (rendered.push(entry), entry.key);
    const namespace = settings.createNamespace
        ? [add({ key: "namespace", object: namespaceFor(settings), after: [], retainOnDelete: true })]
        : [];

    const volumes = persistentVolumesFor(settings).map((object, ordinal) =>
        add({ key: `data-${ordinal}`, object, after: namespace, replaceFirst: true }),
    );
    const config = add({ key: "config", object: configMapFor(settings), after: namespace });
    const secret =
        settings.auth.source === "existingSecret"
            ? []
            : [add({ key: "auth", object: passwordSecretFor(settings, password), after: namespace, secretFields: ["data", "stringData"] })];
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
        configChecksum(configMapData(settings)),
    );
    // Names are fixed, so a replacement must delete the old object first; the claims (and the
    // data) survive it through the retention policy.
    add({ key: "statefulset", object: statefulSet, after: [...namespace, ...volumes, config, headless, ...secret], replaceFirst: true });
    return rendered;
}
