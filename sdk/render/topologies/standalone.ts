import { RedisSettings } from "../../core/settings";
import { podBase } from "../objects/pod";
import { serverContainer, serverVolumes } from "../objects/server";
import { clientServiceFor } from "../objects/services";
import { DeployTimeValues, Rendered } from "../rendered";
import { renderServerSet } from "./server-set";

/**
 * Every object of a standalone deployment: one Redis server in a StatefulSet of one pod, its
 * configuration, password, volumes and Services. The password is only used when the component
 * creates the Secret.
 */
export function renderStandalone<T>(settings: RedisSettings, values: DeployTimeValues<T>): Rendered[] {
    const { rendered, add, namespace } = renderServerSet(settings, values, {
        replicas: 1,
        podManagementPolicy: "OrderedReady",
        headlessPorts: [],
        podSpec: { ...podBase(settings), containers: [serverContainer(settings)], volumes: serverVolumes(settings) },
    });
    add({ key: "client", object: clientServiceFor(settings), after: namespace });
    return rendered;
}
