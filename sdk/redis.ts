import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { RedisArgs, RedisConnection } from "./args";
import { connectionFor } from "./connection";
import { REDIS_PORT, REDIS_TYPE_TOKEN } from "./constants";
import { renderManifests } from "./manifests";
import { serviceHost } from "./names";
import { resolveSettings, RedisSettings } from "./settings";

/**
 * Redis on Kubernetes: a ConfigMap-rendered redis.conf, a password Secret, a StatefulSet with
 * persistent volumes, a headless governing Service and a client Service.
 *
 * Arguments are validated before anything is registered: a bad one throws a RedisArgumentError
 * that names it.
 */
export class Redis extends pulumi.ComponentResource {
    /** The client Service's cluster DNS name, `<service>.<namespace>.svc.cluster.local`. */
    public readonly host!: pulumi.Output<string>;
    /** The Redis port. */
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
        const manifests = renderManifests(settings, password);
        const namespace = manifests.namespace
            ? new k8s.core.v1.Namespace(`${name}-namespace`, manifests.namespace, { parent: this, retainOnDelete: true })
            : undefined;
        const child = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({
            parent: this,
            dependsOn: namespace ? [namespace] : [],
            ...extra,
        });

        const volumes = manifests.persistentVolumes.map((pv, ordinal) =>
            new k8s.core.v1.PersistentVolume(`${name}-data-${ordinal}`, pv, child({ deleteBeforeReplace: true })));
        const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, manifests.configMap, child());
        const secret = manifests.secret
            ? new k8s.core.v1.Secret(`${name}-auth`, manifests.secret, child({ additionalSecretOutputs: ["data", "stringData"] }))
            : undefined;
        const headless = new k8s.core.v1.Service(`${name}-headless`, manifests.headlessService, child());
        const client = new k8s.core.v1.Service(`${name}-client`, manifests.clientService, child());
        new k8s.apps.v1.StatefulSet(`${name}-statefulset`, manifests.statefulSet, child({
            dependsOn: [...(namespace ? [namespace] : []), ...volumes, configMap, headless, ...(secret ? [secret] : [])],
            // Names are fixed, so a replacement must delete the old object first; the claims
            // (and the data) survive it through the retention policy.
            deleteBeforeReplace: true,
        }));

        this.namespace = pulumi.output(settings.namespace);
        this.host = client.metadata.name.apply((service) => serviceHost(service, settings.namespace));
        this.port = pulumi.output(REDIS_PORT);
        this.password = pulumi.secret(password);
        this.passwordSecretName = secret ? secret.metadata.name : pulumi.output(settings.auth.secretName);
        this.passwordSecretKey = pulumi.output(settings.auth.secretKey);
        this.connection = pulumi.secret(pulumi.all([this.host, this.password, this.passwordSecretName]).apply(
            ([host, pw, secretName]) => connectionFor(settings, host, pw, secretName)));
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

    /**
     * The password: the user's, an existing Secret's, or a generated one. RandomPassword's inputs
     * never change, so the password is generated once and kept in state across updates.
     */
    private passwordFor(name: string, settings: RedisSettings, given: pulumi.Input<string> | undefined): pulumi.Output<string> {
        switch (settings.auth.source) {
            case "provided":
                return pulumi.secret(pulumi.output(given as pulumi.Input<string>));
            case "existingSecret": {
                const existing = k8s.core.v1.Secret.get(`${name}-existing-auth`, `${settings.namespace}/${settings.auth.secretName}`, { parent: this });
                return pulumi.secret(existing.data.apply((data) => {
                    const encoded = data?.[settings.auth.secretKey];
                    if (encoded === undefined) {
                        throw new pulumi.ResourceError(
                            `Redis "${name}": auth.existingSecret: Secret ${settings.namespace}/${settings.auth.secretName} has no key "${settings.auth.secretKey}"; set auth.existingSecret.key to the key that holds the password`,
                            this);
                    }
                    return Buffer.from(encoded, "base64").toString("utf8");
                }));
            }
            case "generated":
                return pulumi.secret(new random.RandomPassword(`${name}-password`, {
                    length: 40,
                    special: false,
                }, { parent: this, additionalSecretOutputs: ["result"] }).result);
        }
    }
}
