import { strict as assert } from "assert";
import { RedisArgs } from "../../sdk/api/args";
import { connectionFor } from "../../sdk/core/connection";
import { resolveSettings } from "../../sdk/core/settings";
import { Rendered, renderDeployment } from "../../sdk/render";
import { Loose } from "../support/loose";

const VALUES = { password: "not-a-real-password", authVersion: "0123456789abcdef" };

function render(args: RedisArgs, name = "ha"): Map<string, Rendered> {
    return new Map(renderDeployment(resolveSettings(name, args), VALUES).map((entry) => [entry.key, entry]));
}

const field = (entry: Rendered | undefined) => entry?.object as Loose;

describe("render: mode sentinel's names", () => {
    const args: RedisArgs = { mode: "sentinel", namespace: "data", replicas: 5 };

    it("gives each pod a Service of its own, named as the pod, over that pod alone, ready or not", () => {
        const entries = render(args);
        const services = [...entries.values()].filter((e) => e.key.startsWith("pod-service-")).map(field);
        assert.deepEqual(
            services.map((s) => s.metadata.name),
            ["ha-0", "ha-1", "ha-2", "ha-3", "ha-4"],
        );
        const podLabels = field(entries.get("statefulset")).spec.template.metadata.labels;
        for (const service of services) {
            // A virtual IP that outlives the pod's address, not a headless name.
            assert.equal(service.spec.type, "ClusterIP");
            assert.equal(service.spec.clusterIP, undefined);
            // A syncing replica, a loading or handing-over master stay reachable by the Sentinels.
            assert.equal(service.spec.publishNotReadyAddresses, true);
            const { "statefulset.kubernetes.io/pod-name": pod, ...rest } = service.spec.selector;
            assert.equal(pod, service.metadata.name);
            for (const [label, value] of Object.entries(rest)) {
                assert.equal(podLabels[label], value, `the pods carry ${label}`);
            }
            assert.deepEqual(
                service.spec.ports.map((p: Loose) => [p.name, p.port]),
                [
                    ["redis", 6379],
                    ["sentinel", 26379],
                ],
            );
        }
    });

    it("creates the pods' Services before the pods, so that no resolver caches their names as absent", () => {
        const entries = render(args);
        const after = entries.get("statefulset")?.after ?? [];
        for (let ordinal = 0; ordinal < 5; ordinal++) {
            assert.ok(after.includes(`pod-service-${ordinal}`), `the StatefulSet waits for pod-service-${ordinal}`);
        }
    });

    it("announces and connects by those names: the scripts' peers, the Sentinels' connection output", () => {
        const hosts = ["ha-0", "ha-1", "ha-2", "ha-3", "ha-4"].map((pod) => `${pod}.data.svc.cluster.local`);
        const [server] = field(render(args).get("statefulset")).spec.template.spec.containers;
        const env = Object.fromEntries(server.env.filter((e: Loose) => "value" in e).map((e: Loose) => [e.name, e.value]));
        assert.equal(env.PEER_HOSTS, hosts.join(" "));
        assert.equal(env.PEER_DOMAIN, "data.svc.cluster.local");
        const connection = connectionFor(resolveSettings("ha", args), "ha-sentinel.data.svc.cluster.local", "secret", "ha-auth");
        assert.deepEqual(
            connection.sentinels,
            hosts.map((host) => `${host}:26379`),
        );
    });
});
