import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { RedisArgs } from "./api/args";
import { RedisConnection } from "./api/outputs";
import { clientPort, connectionFor } from "./core/connection";
import { REDIS_TYPE_TOKEN } from "./core/constants";
import { serviceHost } from "./core/names";
import { RedisSettings, resolveSettings } from "./core/settings";
import { HostAlias, hostAliasEntries, KubeObject, renderDeployment, Rendered, withHostAliases } from "./render";

/** The resource class of each kind the renderers produce. */
const RESOURCE_CLASSES: Record<
    KubeObject["kind"],
    new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource
> = {
    Namespace: k8s.core.v1.Namespace,
    StorageClass: k8s.storage.v1.StorageClass,
    PersistentVolume: k8s.core.v1.PersistentVolume,
    PersistentVolumeClaim: k8s.core.v1.PersistentVolumeClaim,
    ConfigMap: k8s.core.v1.ConfigMap,
    Secret: k8s.core.v1.Secret,
    ServiceAccount: k8s.core.v1.ServiceAccount,
    Role: k8s.rbac.v1.Role,
    RoleBinding: k8s.rbac.v1.RoleBinding,
    Service: k8s.core.v1.Service,
    PodDisruptionBudget: k8s.policy.v1.PodDisruptionBudget,
    StatefulSet: k8s.apps.v1.StatefulSet,
};

/**
 * Redis on Kubernetes: a ConfigMap-rendered redis.conf, a password Secret, a StatefulSet with
 * persistent volumes, a headless governing Service and a client Service.
 *
 * Arguments are validated before anything is registered: a bad one throws a RedisArgumentError
 * that names it.
 */
export class Redis extends pulumi.ComponentResource {
    /**
     * The client Service's cluster DNS name, `<service>.<namespace>.svc.cluster.local`: the server,
     * or in mode sentinel the Sentinels.
     */
    public readonly host!: pulumi.Output<string>;
    /** The client Service's port: 6379, or 26379 (Sentinel) in mode sentinel. */
    public readonly port!: pulumi.Output<number>;
    /** The AUTH password (a secret). */
    public readonly password!: pulumi.Output<string>;
    /** `redis://:<password>@<host>:<port>` with the password URL-encoded (a secret). */
    public readonly url!: pulumi.Output<string>;
    /** Name of the Kubernetes Secret that holds the password, in `namespace`. */
    public readonly passwordSecretName!: pulumi.Output<string>;
    /** Key of the password in that Secret. */
    public readonly passwordSecretKey!: pulumi.Output<string>;
    /** Namespace of every namespaced object. */
    public readonly namespace!: pulumi.Output<string>;
    /** All of the above as one object (a secret, since it holds the password), ready to export. */
    public readonly connection!: pulumi.Output<RedisConnection>;

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate first: on a bad argument nothing, not even the component, is registered.
        const settings = resolveSettings(name, args ?? {});
        super(REDIS_TYPE_TOKEN, name, {}, opts);

        const password = this.passwordFor(name, settings, args?.auth?.password);
        const children = this.register(name, renderDeployment(settings, { password, authVersion: this.authVersionFor(name, password) }));
        const client = children.get("client") as k8s.core.v1.Service;
        const secret = children.get("auth") as k8s.core.v1.Secret | undefined;

        this.namespace = pulumi.output(settings.namespace);
        this.host = client.metadata.name.apply((service) => serviceHost(service, settings.namespace));
        this.port = pulumi.output(clientPort(settings));
        this.password = pulumi.secret(password);
        this.passwordSecretName = secret ? secret.metadata.name : pulumi.output(settings.auth.secretName);
        this.passwordSecretKey = pulumi.output(settings.auth.secretKey);
        this.connection = pulumi.secret(
            pulumi
                .all([this.host, this.password, this.passwordSecretName])
                .apply(([host, pw, secretName]) => connectionFor(settings, host, pw, secretName)),
        );
        this.url = pulumi.secret(this.connection.apply((connection) => connection.url));

        this.registerOutputs({
            host: this.host,
            port: this.port,
            password: this.password,
            url: this.url,
            passwordSecretName: this.passwordSecretName,
            passwordSecretKey: this.passwordSecretKey,
            namespace: this.namespace,
            connection: this.connection,
        });
    }

    /** Registers every rendered object as a child, in order, with its dependencies and policies. */
    private register(name: string, rendered: Rendered[]): Map<string, pulumi.CustomResource> {
        const children = new Map<string, pulumi.CustomResource>();
        for (const { key, object, after, replaceFirst, retainOnDelete, ignoreChanges, secretFields, hostAliases } of rendered) {
            const ResourceClass = RESOURCE_CLASSES[object.kind];
            children.set(
                key,
                new ResourceClass(`${name}-${key}`, this.withServiceAddresses(key, object, hostAliases, children) as never, {
                    parent: this,
                    dependsOn: after.map((dependency) => children.get(dependency) as pulumi.CustomResource),
                    ...(replaceFirst ? { deleteBeforeReplace: true } : {}),
                    ...(retainOnDelete ? { retainOnDelete: true } : {}),
                    ...(ignoreChanges ? { ignoreChanges } : {}),
                    ...(secretFields ? { additionalSecretOutputs: secretFields } : {}),
                }),
            );
        }
        return children;
    }

    /** `object` with the hostAliases it asks for, their addresses those of the Services registered before it. */
    private withServiceAddresses(
        key: string,
        object: KubeObject,
        aliases: HostAlias[] | undefined,
        children: Map<string, pulumi.CustomResource>,
    ): KubeObject {
        if (!aliases?.length) {
            return object;
        }
        const addresses = aliases.map(({ serviceKey }) => {
            const service = children.get(serviceKey);
            if (!service) {
                throw new Error(`${key} needs the address of ${serviceKey}, which must be registered before it`);
            }
            return (service as k8s.core.v1.Service).spec.clusterIP;
        });
        return withHostAliases(
            object,
            pulumi.all(addresses).apply((known) => hostAliasEntries(aliases, known)),
        );
    }

    /**
     * A random id replaced whenever the password changes (the password is its keeper, kept secret
     * in state). On the pod template it restarts the pods with the new password, without
     * putting anything derived from the password into a non-secret object.
     */
    private authVersionFor(name: string, password: pulumi.Output<string>): pulumi.Output<string> {
        return new random.RandomId(
            `${name}-auth-version`,
            { byteLength: 8, keepers: { password } },
            { parent: this, additionalSecretOutputs: ["keepers"] },
        ).hex;
    }

    /**
     * The password: the user's, an existing Secret's, or a generated one. RandomPassword's inputs
     * never change, so the password is generated once and kept in state across updates.
     */
    private passwordFor(name: string, settings: RedisSettings, given: pulumi.Input<string> | undefined): pulumi.Output<string> {
        switch (settings.auth.source) {
            case "provided":
                return pulumi.secret(pulumi.output(given as pulumi.Input<string>));
            case "existingSecret": {
                const existing = k8s.core.v1.Secret.get(`${name}-existing-auth`, `${settings.namespace}/${settings.auth.secretName}`, {
                    parent: this,
                });
                return pulumi.secret(
                    existing.data.apply((data) => {
                        const encoded = data?.[settings.auth.secretKey];
                        if (encoded === undefined) {
                            throw new pulumi.ResourceError(
                                `Redis "${name}": auth.existingSecret: Secret ${settings.namespace}/${settings.auth.secretName} has no key "${settings.auth.secretKey}"; set auth.existingSecret.key to the key that holds the password`,
                                this,
                            );
                        }
                        return Buffer.from(encoded, "base64").toString("utf8");
                    }),
                );
            }
            case "generated":
                return pulumi.secret(
                    new random.RandomPassword(
                        `${name}-password`,
                        {
                            length: 40,
                            special: false,
                        },
                        { parent: this, additionalSecretOutputs: ["result"] },
                    ).result,
                );
        }
    }
}
