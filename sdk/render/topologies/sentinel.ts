import { SCRIPTS } from "../../core/constants";
import { podHost } from "../../core/names";
import { RedisSettings, SentinelTopology } from "../../core/settings";
import { podBase } from "../objects/pod";
import { disruptionBudgetFor, spreadPods } from "../objects/scheduling";
import {
    kubectlCopyContainer,
    labelerContainer,
    labelerRoleBindingFor,
    labelerRoleFor,
    labelerVolumes,
    serviceAccountFor,
} from "../objects/labeler";
import { fenceContainer, sentinelContainer } from "../objects/sentinel";
import { serverContainer, serverVolumes } from "../objects/server";
import { podServiceFor, primaryServiceFor, readServiceFor, sentinelServiceFor, sentinelServicePort } from "../objects/services";
import { DeployTimeValues, Rendered } from "../rendered";
import { scriptPath, sentinelScriptEnv } from "../scripts";
import { renderServerSet } from "./server-set";

/** The key of the Service of the pod with this ordinal. */
function podServiceKey(ordinal: number): string {
    return `pod-service-${ordinal}`;
}

/**
 * Every object of a Sentinel deployment: `servers` Redis pods, each a server and a Sentinel
 * sidecar, kept on different nodes, and each with a Service of its own, its stable address; a
 * Service over the Sentinels for Sentinel-aware clients, one that reaches the master for the
 * others (primary) and one over the replicas (read); the labeler's service account and rights; a
 * PodDisruptionBudget.
 *
 * Why sidecars rather than a StatefulSet of Sentinels: on three nodes, losing a node loses a
 * Sentinel either way; sidecars keep the Sentinel's state on the server's volume (so it survives
 * pod recreation and full restarts without volumes of its own) and let the server's start ask its
 * own Sentinel, started first, who the master is. A rolling update restarts one Sentinel at a
 * time, which never breaks the majority.
 *
 * Each pod also runs the fence (scripts/server/fence.sh), which detaches its server, while it is
 * a replica, from a master that stopped answering, and the labeler (scripts/server/labeler.sh),
 * which keeps the pod's role label, that the primary and read Services select on, current.
 *
 * The pods start in parallel: the role decision (scripts/server/role.sh) never needs another pod
 * to be Ready first, and an ordered start could hold the pods behind a master that waits for a
 * failover.
 */
export function renderSentinel<T>(settings: RedisSettings, topology: SentinelTopology, values: DeployTimeValues<T>): Rendered[] {
    const env = sentinelScriptEnv(
        topology,
        { names: settings.names, namespace: settings.namespace },
        settings.terminationGracePeriodSeconds,
    );
    const server = serverContainer(settings);
    const ordinals = Array.from({ length: topology.servers }, (_, ordinal) => ordinal);
    const { rendered, add, namespace } = renderServerSet(settings, values, {
        replicas: topology.servers,
        podManagementPolicy: "Parallel",
        headlessPorts: [sentinelServicePort],
        // Every pod's name resolves from /etc/hosts to its Service's cluster IP, never through
        // the cluster DNS. Sentinel resolves names in its one thread, several times a second for
        // each server it reads and each hello it hears; while the cluster DNS was busy (pods
        // rolling, full synchronisations on two cores) the Sentinels spent 60-78% of their time
        // waiting for its answers, took up to 1.7 s to answer a PING, and one failed its
        // liveness probe into a crash loop. A DNS pod on a lost node stalls every lookup sent to
        // it for the resolver's timeout (5 s), and a name asked before its Service was seen is
        // answered "no such name" for the cache's 30 s. A Service's cluster IP never changes
        // while the Service exists: the names stay the contract, and a new pod IP stays harmless.
        hostAliases: ordinals.map((ordinal) => ({
            serviceKey: podServiceKey(ordinal),
            hostname: podHost(settings.names, ordinal, settings.namespace),
        })),
        // The labeler's rights exist before its first pod: a pod's service account must exist
        // for the pod to be created. Each pod's Service exists before the pod, so that its name
        // never answers "no such name".
        podPrerequisites: [
            ...ordinals.map((ordinal) => ({ key: podServiceKey(ordinal), object: podServiceFor(settings, ordinal) })),
            { key: "service-account", object: serviceAccountFor(settings) },
            { key: "labeler-role", object: labelerRoleFor(settings, topology) },
            { key: "labeler-role-binding", object: labelerRoleBindingFor(settings) },
        ],
        podSpec: {
            ...podBase(settings),
            ...spreadPods(settings, topology.podAntiAffinity),
            serviceAccountName: settings.names.serviceAccount,
            // Every name these pods look up is fully qualified: with Kubernetes' ndots:5, a lookup
            // that /etc/hosts does not answer would first try the namespace's three search domains
            // (eight queries instead of two).
            dnsConfig: { options: [{ name: "ndots", value: "1" }] },
            initContainers: [
                kubectlCopyContainer(topology),
                sentinelContainer(settings, env),
                fenceContainer(settings, env),
                labelerContainer(settings, env),
            ],
            containers: [
                {
                    ...server,
                    command: ["sh", scriptPath(SCRIPTS.serverRole)],
                    env: [...server.env, ...env],
                    lifecycle: { preStop: { exec: { command: ["sh", scriptPath(SCRIPTS.serverPreStop)] } } },
                },
            ],
            volumes: [...serverVolumes(settings), ...labelerVolumes()],
        },
    });
    add({ key: "client", object: sentinelServiceFor(settings), after: namespace });
    add({ key: "primary", object: primaryServiceFor(settings), after: namespace });
    add({ key: "read", object: readServiceFor(settings), after: namespace });
    add({ key: "disruption-budget", object: disruptionBudgetFor(settings), after: namespace });
    return rendered;
}
