/**
 * Facts that several modules, the pod scripts and the tests must agree on. Each is defined
 * here once; the scripts receive them through environment variables (see `scriptEnv`).
 */

/** The Pulumi type token of the component. */
export const REDIS_TYPE_TOKEN = "kubernetes-redis:index:Redis";

/** The TCP port Redis listens on, in the pod and on the Services. */
export const REDIS_PORT = 6379;

/** The name of the container port and of the Service ports. */
export const REDIS_PORT_NAME = "redis";

/** The TCP port every Sentinel listens on (mode sentinel). */
export const SENTINEL_PORT = 26379;
export const SENTINEL_PORT_NAME = "sentinel";
export const SENTINEL_CONTAINER = "sentinel";
export const FENCE_CONTAINER = "fence";
export const LABELER_CONTAINER = "labeler";
/** The init container that copies kubectl into the pod for the labeler (mode sentinel). */
export const KUBECTL_COPY_CONTAINER = "kubectl";

/**
 * Mode sentinel: the label each pod's labeler keeps current with its server's role, which the
 * primary Service (MASTER_ROLE) and the read Service (REPLICA_ROLE) select on. A pod whose role is
 * not settled (a master the Sentinels do not name, a server that just started) carries neither.
 */
export const ROLE_LABEL = "kubernetes-redis.io/role";
export const MASTER_ROLE = "master";
export const REPLICA_ROLE = "replica";

/** The label the StatefulSet controller gives each of its pods, with the pod's name: what a pod's own Service selects on. */
export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

/** The image mode sentinel copies kubectl from: Kubernetes' own, kubectl on Debian with a shell. */
export const DEFAULT_KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.34.1";

/** Name of the Redis container in the pod. */
export const REDIS_CONTAINER = "redis";

/** The uid/gid the official Redis and Valkey images run as (and the locally built ones). */
export const REDIS_UID = 999;
export const REDIS_GID = 999;

/** Key of the password inside the Secret this package creates. */
export const PASSWORD_KEY = "password";

/** Name of the claim template; PVCs are named `<template>-<statefulset>-<ordinal>`. */
export const DATA_CLAIM_TEMPLATE = "data";

/** Paths inside the Redis container. */
export const PATHS = {
    configDir: "/etc/redis",
    configFile: "/etc/redis/redis.conf",
    scriptsDir: "/opt/kubernetes-redis/scripts",
    secretDir: "/etc/redis-auth",
    passwordFile: "/etc/redis-auth/password",
    runDir: "/run/redis",
    /** Written at start from the password file, so the password never reaches a ConfigMap or argv. */
    authConf: "/run/redis/auth.conf",
    dataDir: "/data",
    tmpDir: "/tmp",
    /**
     * Written at start by the role decision (mode sentinel): whom this server replicates, the host
     * name it announces, whether it may be promoted.
     */
    roleConf: "/run/redis/role.conf",
    /** The Sentinel's state, rewritten by Sentinel itself, on the pod's data volume. */
    sentinelDir: "/data/sentinel",
    /** The ConfigMap's sentinel.conf: the settings each Sentinel's file is rebuilt from at start. */
    sentinelTemplate: "/etc/redis/sentinel.conf",
    /** Where kubectl is copied to at start (mode sentinel), for the labeler. */
    kubectlDir: "/opt/kubernetes-redis/kubectl",
    /** The labeler's Kubernetes API credentials: its service account token, the cluster CA, the namespace. */
    kubeApiDir: "/var/run/secrets/kubernetes.io/serviceaccount",
} as const;

/** The shape of `PATHS`: tests that run the rendered files outside a container pass their own. */
export type PodPaths = { readonly [K in keyof typeof PATHS]: string };

/** ConfigMap key of redis.conf. */
export const REDIS_CONF_KEY = "redis.conf";

/** ConfigMap key of sentinel.conf: the settings every Sentinel starts from (mode sentinel). */
export const SENTINEL_CONF_KEY = "sentinel.conf";

/**
 * A pod script: `scripts/<role>/<file>` in the package. In the ConfigMap, and so in the container
 * where they all sit flat in `PATHS.scriptsDir`, it is `<role>-<file>` (its `key`); the scripts
 * source the library by that name.
 */
export interface PodScript {
    readonly role: string;
    readonly file: string;
    readonly key: string;
}

function podScript(role: string, file: string): PodScript {
    return { role, file, key: `${role}-${file}` };
}

/** The scripts the pods run, by what they are for; `lib` holds what the others source. */
export const SCRIPTS = {
    common: podScript("lib", "common.sh"),
    serverStart: podScript("server", "start.sh"),
    serverProbe: podScript("server", "probe.sh"),
    serverRole: podScript("server", "role.sh"),
    serverPreStop: podScript("server", "pre-stop.sh"),
    serverFence: podScript("server", "fence.sh"),
    serverLabeler: podScript("server", "labeler.sh"),
    sentinelLib: podScript("lib", "sentinel.sh"),
    sentinelStart: podScript("sentinel", "start.sh"),
} as const satisfies Record<string, PodScript>;

/** Pod template annotation carrying the checksum of everything the pods read from the ConfigMap. */
export const CONFIG_CHECKSUM_ANNOTATION = "kubernetes-redis.io/config-checksum";

/**
 * Pod template annotation that changes whenever the password changes, so that the pods restart
 * with the new one. Its value is a random id regenerated on each password change, never derived
 * from the password.
 */
export const AUTH_VERSION_ANNOTATION = "kubernetes-redis.io/auth-version";

/**
 * The image of each engine used when none is given: the official image's tag of the version the
 * tests run (tests/process runs the binary of the locally built image of the same upstream
 * version, and checks that the versions agree). Pinned, never `latest`. Both run as uid 999.
 */
export const DEFAULT_IMAGES = {
    redis: "docker.io/library/redis:8.0.2-bookworm",
    valkey: "docker.io/valkey/valkey:8.1.1-bookworm",
} as const;

/** The image used when neither `image` nor `engine` is given. */
export const DEFAULT_IMAGE = DEFAULT_IMAGES.redis;

/**
 * The server and command-line binaries of each engine, by the names the official images and the
 * Debian packages give them. Valkey is always run as valkey-*: the official Valkey image links
 * redis-* to its own binaries, but an image holding both packages (as the locally built ones do)
 * would run Redis under those names.
 */
export const ENGINE_BINARIES = {
    redis: { server: "redis-server", cli: "redis-cli" },
    valkey: { server: "valkey-server", cli: "valkey-cli" },
} as const;

/** The Kubernetes provider's annotation that registers an object without waiting for it to become ready. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
