import { strict as assert } from "assert";
import { RedisArgs } from "../../sdk/api/args";
import { connectionFor } from "../../sdk/core/connection";
import { DEFAULT_KUBECTL_IMAGE, MASTER_ROLE, PATHS, REPLICA_ROLE, ROLE_LABEL } from "../../sdk/core/constants";
import { resolveSettings } from "../../sdk/core/settings";
import { hostAliasEntries, Rendered, renderDeployment } from "../../sdk/render";
import { Loose } from "../support/loose";

const VALUES = { password: "not-a-real-password", authVersion: "0123456789abcdef" };

function render(args: RedisArgs, name = "cache"): Map<string, Rendered> {
    return new Map(
        renderDeployment(resolveSettings(name, { mode: "sentinel", namespace: "data", ...args }), VALUES).map((e) => [e.key, e]),
    );
}

const object = (entry: Rendered | undefined) => entry?.object as Loose;

describe("render: mode sentinel's Services, role labels, rights and handover settings", () => {
    it("maps each peer's name to its Service's address in one hostAliases entry per address", () => {
        const aliases = [0, 1, 2].map((ordinal) => ({
            serviceKey: `pod-service-${ordinal}`,
            hostname: `cache-${ordinal}.data.svc.cluster.local`,
        }));
        assert.deepEqual(hostAliasEntries(aliases, ["10.0.0.10", "10.0.0.11", "10.0.0.12"]), [
            { ip: "10.0.0.10", hostnames: ["cache-0.data.svc.cluster.local"] },
            { ip: "10.0.0.11", hostnames: ["cache-1.data.svc.cluster.local"] },
            { ip: "10.0.0.12", hostnames: ["cache-2.data.svc.cluster.local"] },
        ]);
        // A preview's dry run gives every new Service the same placeholder address.
        assert.deepEqual(hostAliasEntries(aliases, ["10.96.0.0", "10.96.0.0", "10.96.0.0"]), [
            { ip: "10.96.0.0", hostnames: aliases.map((alias) => alias.hostname) },
        ]);
    });

    it("selects the master for the primary Service and the replicas for the read Service, by the pods' role label", () => {
        const rendered = render({ service: { type: "LoadBalancer", internal: false, annotations: { "example.com/internal": "true" } } });
        const base = object(rendered.get("headless")).spec.selector;
        for (const [key, name, role] of [
            ["primary", "cache-primary", MASTER_ROLE],
            ["read", "cache-read", REPLICA_ROLE],
        ]) {
            const service = object(rendered.get(key));
            assert.equal(service.metadata.name, name);
            assert.deepEqual(service.spec.selector, { ...base, [ROLE_LABEL]: role });
            assert.deepEqual(
                service.spec.ports.map((p: Loose) => [p.port, p.targetPort]),
                [[6379, "redis"]],
            );
            assert.equal(service.spec.type, "LoadBalancer", "the `service` argument's type, as the Sentinel Service");
            assert.deepEqual(service.metadata.annotations, { "example.com/internal": "true" });
        }
        const template = object(rendered.get("statefulset")).spec.template;
        assert.equal(template.metadata.labels[ROLE_LABEL], undefined, "the labeler sets the role, never the template");
    });

    it("gives each pod a ClusterIP Service of its own, created before the pods, that publishes it while it starts and stops", () => {
        const rendered = render({ replicas: 5 });
        const base = object(rendered.get("headless")).spec.selector;
        const keys = [0, 1, 2, 3, 4].map((ordinal) => `pod-service-${ordinal}`);
        keys.forEach((key, ordinal) => {
            const service = object(rendered.get(key));
            assert.equal(service.metadata.name, `cache-${ordinal}`);
            assert.equal(service.spec.type, "ClusterIP");
            assert.equal(service.spec.clusterIP, undefined, "a virtual IP, not headless: it outlives the pod's IP");
            assert.equal(service.spec.publishNotReadyAddresses, true);
            assert.deepEqual(service.spec.selector, { ...base, "statefulset.kubernetes.io/pod-name": `cache-${ordinal}` });
            assert.deepEqual(
                service.spec.ports.map((p: Loose) => [p.port, p.targetPort]),
                [
                    [6379, "redis"],
                    [26379, "sentinel"],
                ],
            );
        });
        assert.deepEqual(
            rendered.get("statefulset")?.after.filter((key) => key.startsWith("pod-service-")),
            keys,
        );
        assert.deepEqual(
            rendered.get("statefulset")?.hostAliases,
            keys.map((key, ordinal) => ({ serviceKey: key, hostname: `cache-${ordinal}.data.svc.cluster.local` })),
            "every peer's name resolves from /etc/hosts to its Service's cluster IP, which the shell fills in",
        );
        assert.deepEqual(
            object(rendered.get("statefulset")).spec.template.spec.dnsConfig,
            { options: [{ name: "ndots", value: "1" }] },
            "the pods' fully qualified names resolve at the first query, not after three search domains",
        );
        const server = object(rendered.get("statefulset")).spec.template.spec.containers[0];
        const env = Object.fromEntries(server.env.filter((e: Loose) => "value" in e).map((e: Loose) => [e.name, e.value]));
        assert.equal(env.POD_SERVICE_DOMAIN, "data.svc.cluster.local");
        assert.equal(env.PEER_HOSTS, keys.map((_, ordinal) => `cache-${ordinal}.data.svc.cluster.local`).join(" "));
        assert.deepEqual(
            connectionFor(resolveSettings("cache", { mode: "sentinel", namespace: "data", replicas: 5 }), "h", "p", "cache-auth").sentinels,
            keys.map((_, ordinal) => `cache-${ordinal}.data.svc.cluster.local:26379`),
        );
    });

    it("lets a full synchronisation start after 1 s, or at once when every other server waits; a stopping master waits for one within its grace period", () => {
        const conf = (rendered: Map<string, Rendered>) => object(rendered.get("config")).data["redis.conf"] as string;
        const env = (rendered: Map<string, Rendered>) =>
            Object.fromEntries(
                object(rendered.get("statefulset"))
                    .spec.template.spec.containers[0].env.filter((e: Loose) => "value" in e)
                    .map((e: Loose) => [e.name, e.value]),
            );
        const five = render({ replicas: 5 });
        assert.match(conf(five), /^repl-diskless-sync-delay 1$/m);
        assert.match(conf(five), /^repl-diskless-sync-max-replicas 4$/m);
        // The defaults: a 60 s grace period; the failover wait (2 x 1.5 s down-after + 10 s) and the
        // 2 s catch-up leave 43 s, of which it takes at most 15.
        assert.deepEqual([env(five).FAILOVER_WAIT_SECONDS, env(five).CATCH_UP_SECONDS, env(five).SYNC_WAIT_SECONDS], ["13", "2", "15"]);
        assert.equal(env(render({ terminationGracePeriodSeconds: 30 })).SYNC_WAIT_SECONDS, "10");
        assert.equal(env(render({ terminationGracePeriodSeconds: 20 })).SYNC_WAIT_SECONDS, "0");
    });

    it("fences a replica off a master silent for 1 s, at least 500 ms before down-after, or for half of down-after when that is longer", () => {
        const fenceAfter = (downAfterMilliseconds?: number) =>
            object(render(downAfterMilliseconds === undefined ? {} : { sentinel: { downAfterMilliseconds } }).get("statefulset"))
                .spec.template.spec.containers.flatMap((c: Loose) => c.env ?? [])
                .find((e: Loose) => e.name === "FENCE_AFTER_MILLISECONDS").value;
        assert.equal(fenceAfter(), "1000");
        assert.deepEqual([400, 1000, 1200, 1500, 2000, 3000, 60000].map(fenceAfter), [
            "200",
            "500",
            "700",
            "1000",
            "1000",
            "1500",
            "30000",
        ]);
    });

    it("lets the labeler get and label this deployment's pods by name, and nothing else", () => {
        const rendered = render({ replicas: 5 });
        const role = object(rendered.get("labeler-role"));
        assert.deepEqual(role.rules, [
            {
                apiGroups: [""],
                resources: ["pods"],
                resourceNames: ["cache-0", "cache-1", "cache-2", "cache-3", "cache-4"],
                verbs: ["get", "patch"],
            },
        ]);
        const binding = object(rendered.get("labeler-role-binding"));
        assert.deepEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cache-labeler" });
        assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "cache", namespace: "data" }]);
        assert.equal(object(rendered.get("service-account")).automountServiceAccountToken, false);
        assert.deepEqual(
            rendered.get("statefulset")?.after.filter((key) => ["service-account", "labeler-role", "labeler-role-binding"].includes(key)),
            ["service-account", "labeler-role", "labeler-role-binding"],
            "the pods are created after their service account and its rights",
        );
    });

    it("mounts the API token into the labeler alone, and copies kubectl from the kubectl image first", () => {
        const spec = object(render({}).get("statefulset")).spec.template.spec;
        assert.equal(spec.serviceAccountName, "cache");
        assert.equal(spec.automountServiceAccountToken, false);
        const withToken = [...spec.initContainers, ...spec.containers]
            .filter((c: Loose) => c.volumeMounts.some((m: Loose) => m.mountPath === PATHS.kubeApiDir))
            .map((c: Loose) => c.name);
        assert.deepEqual(withToken, ["labeler"]);
        const [copy] = spec.initContainers;
        assert.equal(copy.name, "kubectl");
        assert.equal(copy.restartPolicy, undefined, "an init container that runs to completion before the sidecars");
        assert.equal(copy.image, DEFAULT_KUBECTL_IMAGE);
        assert.deepEqual(copy.command, ["cp", "/bin/kubectl", `${PATHS.kubectlDir}/kubectl`]);
        assert.equal(copy.securityContext.readOnlyRootFilesystem, true);
        const labeler = spec.initContainers.find((c: Loose) => c.name === "labeler");
        assert.equal(labeler.restartPolicy, "Always");
        assert.ok(labeler.volumeMounts.every((m: Loose) => m.mountPath === PATHS.tmpDir || m.readOnly === true));
        const token = spec.volumes.find((v: Loose) => v.name === "kube-api").projected.sources[0].serviceAccountToken;
        assert.ok(token.expirationSeconds <= 3600, "a short-lived, rotated token");
        const own = object(render({ sentinel: { kubectlImage: "registry.example.com/kubectl:v1.33.4" } }).get("statefulset"));
        assert.equal(own.spec.template.spec.initContainers[0].image, "registry.example.com/kubectl:v1.33.4");
    });

    it("exports the primary and read hosts; a standalone deployment's are its one Service", () => {
        const sentinel = connectionFor(
            resolveSettings("cache", { mode: "sentinel", namespace: "data" }),
            "cache-sentinel.data.svc.cluster.local",
            "p@ss",
            "cache-auth",
        );
        assert.equal(sentinel.primaryHost, "cache-primary.data.svc.cluster.local");
        assert.equal(sentinel.primaryUrl, "redis://:p%40ss@cache-primary.data.svc.cluster.local:6379");
        assert.equal(sentinel.readHost, "cache-read.data.svc.cluster.local");
        const standalone = connectionFor(
            resolveSettings("cache", { namespace: "data" }),
            "cache.data.svc.cluster.local",
            "pw",
            "cache-auth",
        );
        assert.equal(standalone.primaryHost, "cache.data.svc.cluster.local");
        assert.equal(standalone.readHost, "cache.data.svc.cluster.local");
        assert.equal(standalone.primaryUrl, standalone.url);
    });
});
