import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { Emulator, EmulatorRefusal, IGNORED_FIELDS, leftovers, validateObjects } from "./index";
import { KINDS, Rule } from "./schema";
import { requireEmulatorHost } from "./testing/guard";
import { clusterIPService, configMap, recordingLog, redisContainer, secret, statefulSet } from "./testing/fixtures";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A valid StatefulSet, changed by `edit` into the case under test. */
function sts(edit: (s: Json) => void = () => undefined): Json {
    const object = statefulSet({ name: "cache", containers: [redisContainer()] }) as Json;
    edit(object);
    return object;
}

const podSpec = (s: Json) => s.spec.template.spec;
const redis = (s: Json) => podSpec(s).containers[0];

describe("pod emulator: validation refuses what it does not implement", () => {
    const refusals: [string, () => Json[], RegExp][] = [
        [
            "a hostPort",
            () => [sts((s) => (redis(s).ports = [{ containerPort: 6379, hostPort: 6379 }]))],
            /^StatefulSet cache: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.hostPort is not implemented by the emulator$/,
        ],
        [
            "an httpGet probe",
            () => [sts((s) => (redis(s).livenessProbe = { httpGet: { path: "/", port: 80 } }))],
            /containers\[0\]\.livenessProbe\.httpGet is not implemented/,
        ],
        [
            "a hostPath volume",
            () => [sts((s) => (podSpec(s).volumes = [{ name: "h", hostPath: { path: "/var" } }]))],
            /spec\.template\.spec\.volumes\[0\]\.hostPath is not implemented/,
        ],
        [
            "an unknown kind",
            () => [{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: {} }],
            /^Deployment web: kind apps\/v1 Deployment is not implemented by the emulator$/,
        ],
        [
            "rollingUpdate.maxUnavailable",
            () => [sts((s) => (s.spec.updateStrategy = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 2 } }))],
            /spec\.updateStrategy\.rollingUpdate\.maxUnavailable is not implemented/,
        ],
        [
            "a LoadBalancer Service",
            () => [
                { ...clusterIPService("lb", "cache"), spec: { type: "LoadBalancer", selector: { app: "cache" }, ports: [{ port: 6379 }] } },
            ],
            /^Service lb: spec\.type="LoadBalancer" is not implemented by the emulator \(only "ClusterIP"\)$/,
        ],
        ["hostNetwork", () => [sts((s) => (podSpec(s).hostNetwork = true))], /spec\.template\.spec\.hostNetwork=true is not implemented/],
        [
            "added capabilities",
            () => [sts((s) => (redis(s).securityContext = { capabilities: { add: ["NET_ADMIN"] } }))],
            /securityContext\.capabilities\.add=\["NET_ADMIN"\] is not implemented/,
        ],
        [
            "a probe on an init container",
            () => [
                sts(
                    (s) =>
                        (podSpec(s).initContainers = [
                            { name: "init", image: "busybox", command: ["true"], readinessProbe: { exec: { command: ["true"] } } },
                        ]),
                ),
            ],
            /initContainers\[0\]\.readinessProbe is not implemented/,
        ],
        [
            "runAsNonRoot without a uid",
            () => [sts((s) => (podSpec(s).securityContext = { runAsNonRoot: true }))],
            /containers\[0\]: runAsNonRoot is true but the container would run as uid 0/,
        ],
        [
            "an image without command whose entrypoint is unknown",
            () => [sts((s) => (podSpec(s).containers = [{ name: "c", image: "busybox:1.36" }]))],
            /containers\[0\]\.command is required by the emulator for image busybox:1\.36/,
        ],
        [
            "a ClusterIP Service port that differs from the target port",
            () => [{ ...clusterIPService("c", "cache"), spec: { selector: { app: "cache" }, ports: [{ port: 80, targetPort: 6379 }] } }],
            /^Service c: spec\.ports\[0\]: targetPort 6379 differs from port 80, which needs kube-proxy/,
        ],
        [
            "a named target port that resolves to another port",
            () => [
                sts((s) => (redis(s).ports = [{ name: "redis", containerPort: 6380 }])),
                { ...clusterIPService("c", "cache"), spec: { selector: { app: "cache" }, ports: [{ port: 6379, targetPort: "redis" }] } },
            ],
            /targetPort 6380 differs from port 6379/,
        ],
        [
            "Secret data that is not base64",
            () => [secret("s", { data: { password: "not base64!" } })],
            /^Secret s: data\.password is not valid base64$/,
        ],
        [
            "a subPath leaving its volume",
            () => [
                sts((s) => {
                    podSpec(s).volumes = [{ name: "v", emptyDir: {} }];
                    redis(s).volumeMounts = [{ name: "v", mountPath: "/x", subPath: "../etc" }];
                }),
            ],
            /volumeMounts\[0\]\.subPath must be a relative path without "\.\."/,
        ],
        [
            "a mount of a missing volume",
            () => [sts((s) => (redis(s).volumeMounts = [{ name: "nope", mountPath: "/x" }]))],
            /volumeMounts\[0\]\.name: no volume named "nope"/,
        ],
        [
            "an unsupported fieldRef",
            () => [sts((s) => (redis(s).env = [{ name: "X", valueFrom: { fieldRef: { fieldPath: "status.phase" } } }]))],
            /env\[0\]\.valueFrom\.fieldRef\.fieldPath=status\.phase is not implemented/,
        ],
        [
            "a resourceFieldRef",
            () => [sts((s) => (redis(s).env = [{ name: "X", valueFrom: { resourceFieldRef: { resource: "limits.memory" } } }]))],
            /env\[0\]\.valueFrom\.resourceFieldRef is not implemented/,
        ],
        [
            "selector matchExpressions",
            () => [sts((s) => (s.spec.selector.matchExpressions = [{ key: "app", operator: "Exists" }]))],
            /spec\.selector\.matchExpressions is not implemented/,
        ],
        [
            "a selector that does not match the template",
            () => [sts((s) => (s.spec.selector.matchLabels = { app: "other" }))],
            /spec\.selector does not match spec\.template\.metadata\.labels/,
        ],
        [
            "a liveness successThreshold above 1",
            () => [sts((s) => (redis(s).livenessProbe = { exec: { command: ["true"] }, successThreshold: 2 }))],
            /containers\[0\]\.livenessProbe\.successThreshold must be 1/,
        ],
        [
            "a sidecar init container",
            () => [
                sts((s) => (podSpec(s).initContainers = [{ name: "side", image: "redis:7", command: ["true"], restartPolicy: "Always" }])),
            ],
            /initContainers\[0\]\.restartPolicy is not implemented/,
        ],
        [
            "an unknown top-level field",
            () => [{ ...configMap("c", {}), spec: {} }],
            /^ConfigMap c: spec is not implemented by the emulator$/,
        ],
    ];

    for (const [name, objects, message] of refusals) {
        it(`refuses ${name}`, () => {
            const problems = validateObjects(objects());
            assert.ok(
                problems.some((p) => message.test(p)),
                `expected ${message}, got:\n${problems.join("\n")}`,
            );
        });
    }

    it("accepts every field on the ignore list, and says which ones those are", () => {
        const object = sts((s) => {
            Object.assign(podSpec(s), {
                affinity: { podAntiAffinity: {} },
                tolerations: [{ operator: "Exists" }],
                topologySpreadConstraints: [],
                nodeSelector: { disk: "ssd" },
                priorityClassName: "high",
                serviceAccountName: "redis",
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                imagePullSecrets: [{ name: "registry" }],
                securityContext: { runAsNonRoot: true, runAsUser: 999, fsGroup: 999, seccompProfile: { type: "RuntimeDefault" } },
            });
            Object.assign(redis(s), {
                resources: { limits: { memory: "256Mi" } },
                imagePullPolicy: "IfNotPresent",
                terminationMessagePolicy: "FallbackToLogsOnError",
                ports: [{ name: "redis", containerPort: 6379, protocol: "TCP" }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true },
            });
            s.spec.revisionHistoryLimit = 10;
        });
        assert.deepEqual(validateObjects([object]), []);
        assert.ok(IGNORED_FIELDS.includes("PodSpec.affinity"));
        assert.ok(IGNORED_FIELDS.includes("Container.resources"));
    });

    it("names only real schema types on its ignore list", () => {
        const types = new Set<string>(["Object"]);
        const collect = (rule: Rule): void => {
            if (rule.kind === "array") collect(rule.of);
            if (rule.kind !== "object") return;
            types.add(rule.type);
            Object.values(rule.fields).forEach(collect);
        };
        Object.values(KINDS).forEach(collect);
        types.add("ObjectMeta");
        for (const entry of IGNORED_FIELDS) assert.ok(types.has(entry.split(".")[0]), `${entry} names no schema type`);
    });

    it("reports every problem at once", () => {
        const problems = validateObjects([sts((s) => Object.assign(podSpec(s), { hostPID: true, hostIPC: true }))]);
        assert.equal(problems.length, 2, problems.join("\n"));
    });

    describe("on a host that can run pods", () => {
        before(function () {
            requireEmulatorHost(this);
        });
        after(() => assert.deepEqual(leftovers(), []));

        it("refuses before creating anything", async () => {
            const before = fs.readdirSync("/tmp").filter((e) => e.startsWith("kemu"));
            const object = sts((s) => (redis(s).ports = [{ containerPort: 6379, hostPort: 6379 }]));
            await assert.rejects(Emulator.start([object]), (error: Error) => {
                assert.ok(error instanceof EmulatorRefusal);
                assert.match(error.message, /containers\[0\]\.ports\[0\]\.hostPort is not implemented by the emulator/);
                return true;
            });
            assert.deepEqual(leftovers(), []);
            assert.deepEqual(
                fs.readdirSync("/tmp").filter((e) => e.startsWith("kemu")),
                before,
            );
        });

        it("refuses changes to immutable StatefulSet fields on apply, as the API server does", async function () {
            this.timeout(20000);
            const { log } = recordingLog();
            const emulator = await Emulator.start([sts()], { log });
            try {
                await assert.rejects(
                    emulator.apply([sts((s) => (s.spec.serviceName = "other"))]),
                    /updates to statefulset spec for fields other than/,
                );
                await assert.rejects(
                    emulator.apply([sts((s) => (podSpec(s).volumes = [{ name: "x", hostPath: { path: "/" } }]))]),
                    EmulatorRefusal,
                );
            } finally {
                await emulator.stop();
            }
        });
    });
});
