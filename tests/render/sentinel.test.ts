import { strict as assert } from "assert";
import { RedisArgs } from "../../sdk/api/args";
import { connectionFor } from "../../sdk/core/connection";
import { DEFAULT_KUBECTL_IMAGE, MASTER_ROLE, PATHS, REPLICA_ROLE, ROLE_LABEL } from "../../sdk/core/constants";
import { resolveSettings } from "../../sdk/core/settings";
import { Rendered, renderDeployment } from "../../sdk/render";
import { Loose } from "../support/loose";

const VALUES = { password: "not-a-real-password", authVersion: "0123456789abcdef" };

function render(args: RedisArgs, name = "cache"): Map<string, Rendered> {
    return new Map(
        renderDeployment(resolveSettings(name, { mode: "sentinel", namespace: "data", ...args }), VALUES).map((e) => [e.key, e]),
    );
}

const object = (entry: Rendered | undefined) => entry?.object as Loose;

describe("render: mode sentinel's role labels, primary and read Services", () => {
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
