/**
 * Everything a client needs, as one object: export it and read it through a StackReference.
 * The fields for Sentinel and Cluster clients are empty for a standalone deployment.
 */
export interface RedisConnection {
    /**
     * The client Service's cluster DNS name: the server for a standalone deployment, the
     * Sentinels in mode sentinel (ask them for `masterName`).
     */
    host: string;
    /** The client Service's port: 6379 (Redis), or 26379 (Sentinel) in mode sentinel. */
    port: number;
    /** The AUTH password. */
    password: string;
    /**
     * `redis://:<password>@<host>:<port>`, with the password URL-encoded. In mode sentinel it
     * reaches a Sentinel, which answers SENTINEL commands, not data commands.
     */
    url: string;
    /** Namespace of the deployment. */
    namespace: string;
    /** Name of the Kubernetes Secret holding the password. */
    passwordSecretName: string;
    /** Key of the password in that Secret. */
    passwordSecretKey: string;
    /**
     * Sentinel-aware clients: the Sentinels to ask for the current master, as `host:port`, one
     * per pod, each the DNS name of that pod's own Service (`<name>-<ordinal>.<namespace>.svc.cluster.local`),
     * which exists before the pod and keeps its address when the pod is recreated. Empty unless
     * the mode is sentinel.
     */
    sentinels: string[];
    /** Sentinel-aware clients: the name the Sentinels monitor the master under. Empty unless the mode is sentinel. */
    masterName: string;
    /**
     * The cluster DNS name of the Service that reaches the master on port 6379, for clients that
     * do not speak Sentinel: in mode sentinel it follows a failover within about two seconds (the
     * client must reconnect); for a standalone deployment it is `host`.
     */
    primaryHost: string;
    /** `redis://:<password>@<primaryHost>:6379`, with the password URL-encoded. */
    primaryUrl: string;
    /**
     * The cluster DNS name of the Service over the replicas, on port 6379, for reads that may lag
     * the master; for a standalone deployment it is `host`.
     */
    readHost: string;
    /** Cluster-aware clients: nodes to discover the cluster from, as `host:port`. Empty unless the mode is cluster. */
    seedNodes: string[];
}
