import { CloudPreset, RedisArgs } from "../../api/args";
import { ArgumentChecker } from "../checks/checker";
import { checkConfig } from "../checks/directives";
import { resourceNames } from "../names";
import { resolveAuth } from "./auth";
import { DEFAULTS } from "./defaults";
import { resolveEngine } from "./engine";
import { REDIS_ARGS_KEYS } from "./keys";
import { resolvePersistence } from "./persistence";
import { resolveMemory, resolveResources } from "./resources";
import { resolveService } from "./service";
import { resolveTopology } from "./topology";
import { RedisSettings } from "./types";

export { DEFAULTS } from "./defaults";
export { SENTINEL_DEFAULTS, SentinelTopology, serverCount, Topology, unreachable } from "./topology";
export { EngineSettings } from "./engine";
export { AuthSettings, PersistenceSettings, RedisSettings } from "./types";

/**
 * Validates the arguments of `new Redis(name, args)` and fills in every default. Pure: it throws
 * a RedisArgumentError for the first bad argument and touches nothing else.
 */
export function resolveSettings(name: string, args: RedisArgs = {}): RedisSettings {
    const check = new ArgumentChecker(name);
    // The name is also the client Service's name, which must be a DNS-1035 label.
    check.dnsLabel("name", name);
    if (!/^[a-z]/.test(name)) {
        check.fail("name", name, "does not start with a letter, as Service names must", `use a name such as "redis-${name}"`);
    }
    check.knownKeys("", args, REDIS_ARGS_KEYS);

    const topology = resolveTopology(check, name, args);

    const namespace = args.namespace === undefined ? DEFAULTS.namespace : check.dnsLabel("namespace", args.namespace);
    const cloud = args.cloud === undefined ? undefined : check.oneOf("cloud", args.cloud, CloudPreset, CloudPreset.Local);
    const persistence = resolvePersistence(check, args.persistence, cloud, namespace, name);
    const resources = resolveResources(check, args.resources);
    const memory = resolveMemory(check, args.memory, resources.limitBytes, persistence.enabled);
    const { engine, image } = resolveEngine(check, args.engine, args.image);

    return {
        name,
        namespace,
        createNamespace: checkCreateNamespace(check, args.createNamespace, namespace),
        topology,
        engine,
        image,
        cloud,
        names: resourceNames(name),
        resources: { requests: resources.requests, limits: resources.limits },
        memory,
        persistence,
        auth: resolveAuth(check, name, args),
        config: checkConfig(check, args.config, persistence.enabled, { memory, engine: engine.target }),
        service: resolveService(check, args.service, cloud),
        podLabels: checkPodLabels(check, args.podLabels),
        podAnnotations: check.stringMap("podAnnotations", args.podAnnotations, "annotation"),
        nodeSelector: check.stringMap("nodeSelector", args.nodeSelector, "label"),
        priorityClassName:
            args.priorityClassName === undefined ? undefined : check.dnsSubdomain("priorityClassName", args.priorityClassName),
        terminationGracePeriodSeconds: check.integer(
            "terminationGracePeriodSeconds",
            args.terminationGracePeriodSeconds,
            DEFAULTS.terminationGracePeriodSeconds,
            10,
            3600,
        ),
    };
}

function checkPodLabels(check: ArgumentChecker, value: unknown): Record<string, string> {
    const labels = check.stringMap("podLabels", value, "label");
    const reserved = Object.keys(labels).find((key) => key.startsWith("app.kubernetes.io/"));
    if (reserved !== undefined) {
        check.fail(
            `podLabels["${reserved}"]`,
            labels[reserved],
            "is set by the component (it selects the pods)",
            "use a label outside app.kubernetes.io/",
        );
    }
    return labels;
}

/** Namespaces every cluster has: creating one of them would take it over (labels, deletion). */
const CLUSTER_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

function checkCreateNamespace(check: ArgumentChecker, value: unknown, namespace: string): boolean {
    const create = check.boolean("createNamespace", value, false);
    if (create && CLUSTER_NAMESPACES.includes(namespace)) {
        check.fail(
            "createNamespace",
            true,
            `would take over the cluster's own namespace "${namespace}" (its labels, and its deletion with the stack)`,
            "name a namespace of the deployment's own, or leave createNamespace unset",
        );
    }
    return create;
}
