// Cluster DNS, emulated with per-pod hosts files. A real cluster answers these names from
// CoreDNS; here every pod's /etc/hosts carries the same records, rewritten whenever endpoints
// change. The records follow the Kubernetes DNS specification for Services and Pods.
import * as fs from "node:fs";
import * as path from "node:path";
import { CLUSTER_DOMAIN, HostAlias, Service, StringMap, namespaceOf } from "./types";

/** What DNS needs to know about a pod. */
export interface DnsPod {
    name: string;
    namespace: string;
    ip?: string;
    hostname: string;
    subdomain?: string;
    labels: StringMap;
    ready: boolean;
    terminating: boolean;
    hostAliases?: HostAlias[];
}

export interface DnsRecord {
    namespace: string;
    /** The name without ".<namespace>.svc.cluster.local": "cache" or "cache-0.cache-headless". */
    relative: string;
    ips: string[];
}

export function selects(selector: StringMap | undefined, labels: StringMap): boolean {
    if (!selector || Object.keys(selector).length === 0) return false;
    return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/**
 * The pods a Service publishes, in the order the endpoints controller lists them. Terminating
 * and unready pods are left out unless the Service asks for publishNotReadyAddresses.
 */
export function endpointPods(service: Service, pods: DnsPod[]): DnsPod[] {
    const namespace = namespaceOf(service);
    const tolerateUnready = service.spec.publishNotReadyAddresses === true;
    return pods
        .filter((pod) => pod.namespace === namespace && pod.ip !== undefined && selects(service.spec.selector, pod.labels))
        .filter((pod) => tolerateUnready || (pod.ready && !pod.terminating))
        .sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
}

/**
 * Records for every Service. ClusterIP Services resolve straight to their ready endpoints:
 * there is no virtual IP and no kube-proxy, so a name resolves to pods, not to a service IP.
 */
export function clusterRecords(services: Service[], pods: DnsPod[]): DnsRecord[] {
    const records: DnsRecord[] = [];
    for (const service of services) {
        const namespace = namespaceOf(service);
        const members = endpointPods(service, pods);
        if (members.length > 0) {
            records.push({ namespace, relative: service.metadata.name, ips: members.map((pod) => pod.ip as string) });
        }
        if (service.spec.clusterIP !== "None") continue;
        for (const pod of members) {
            if (pod.subdomain === service.metadata.name) {
                records.push({ namespace, relative: `${pod.hostname}.${service.metadata.name}`, ips: [pod.ip as string] });
            }
        }
    }
    return records;
}

/**
 * The spellings a pod in `fromNamespace` can use for a record: the FQDN, the forms completed by
 * the search path every pod has, and the bare relative name inside the record's own namespace.
 */
export function namesFor(record: DnsRecord, fromNamespace: string): string[] {
    const base = `${record.relative}.${record.namespace}`;
    const names = [`${base}.svc.${CLUSTER_DOMAIN}`, `${base}.svc`, base];
    if (record.namespace === fromNamespace) names.push(record.relative);
    return names;
}

export function resolveName(name: string, fromNamespace: string, records: DnsRecord[]): string[] {
    const wanted = name.replace(/\.$/, "").toLowerCase();
    const ips: string[] = [];
    for (const record of records) {
        if (namesFor(record, fromNamespace).includes(wanted)) ips.push(...record.ips);
    }
    return [...new Set(ips)];
}

/** The pod's own FQDN, as kubelet writes it when hostname and subdomain are set. */
export function podFqdn(pod: DnsPod): string | undefined {
    return pod.subdomain ? `${pod.hostname}.${pod.subdomain}.${pod.namespace}.svc.${CLUSTER_DOMAIN}` : undefined;
}

export function renderHostsFile(pod: DnsPod, records: DnsRecord[]): string {
    const lines = [
        "# Kubernetes-managed hosts file.",
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "fe00::0\tip6-localnet",
        "fe00::0\tip6-mcastprefix",
        "fe00::1\tip6-allnodes",
        "fe00::2\tip6-allrouters",
    ];
    const fqdn = podFqdn(pod);
    if (pod.ip) lines.push(`${pod.ip}\t${fqdn ? `${fqdn}\t` : ""}${pod.hostname}`);
    if (pod.hostAliases && pod.hostAliases.length > 0) {
        lines.push("", "# Entries added by HostAliases.");
        for (const alias of pod.hostAliases) lines.push(`${alias.ip}\t${alias.hostnames.join("\t")}`);
    }
    lines.push("", "# Cluster DNS records (served by CoreDNS on a real cluster).");
    for (const record of records) {
        const names = namesFor(record, pod.namespace).join(" ");
        for (const ip of record.ips) lines.push(`${ip}\t${names}`);
    }
    return `${lines.join("\n")}\n`;
}

/**
 * The resolver configuration every pod gets. Names missing from the hosts file fall through to
 * a nameserver on the pod's own loopback, where nothing listens: lookups fail at once instead of
 * timing out against the host's resolver, which the pod cannot reach.
 */
export function renderResolvConf(namespace: string): string {
    const search = [`${namespace}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN];
    return `search ${search.join(" ")}\nnameserver 127.0.0.1\noptions ndots:5 attempts:1 timeout:1\n`;
}

/**
 * Per-pod files under /etc/netns/<netns>/, which `ip netns exec` binds over /etc/*; containers
 * bind the same files explicitly. Bind mounts pin inodes, so updates must rewrite in place.
 */
export class PodDnsFiles {
    readonly dir: string;
    private current = "";
    private removed = false;

    constructor(netns: string, pod: DnsPod, etcNetns = "/etc/netns") {
        this.dir = path.join(etcNetns, netns);
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
        fs.writeFileSync(this.hostsPath, "", { mode: 0o644 });
        fs.writeFileSync(this.resolvPath, renderResolvConf(pod.namespace), { mode: 0o644 });
        fs.writeFileSync(this.hostnamePath, `${pod.hostname}\n`, { mode: 0o644 });
    }

    get hostsPath(): string {
        return path.join(this.dir, "hosts");
    }

    get resolvPath(): string {
        return path.join(this.dir, "resolv.conf");
    }

    get hostnamePath(): string {
        return path.join(this.dir, "hostname");
    }

    /**
     * Writes the new content over the old and then truncates, never truncating first: a reader
     * racing the update sees old or new lines, not an empty file.
     */
    update(pod: DnsPod, records: DnsRecord[]): void {
        const content = renderHostsFile(pod, records);
        if (this.removed || content === this.current) return;
        const buffer = Buffer.from(content);
        const fd = fs.openSync(this.hostsPath, "r+");
        try {
            fs.writeSync(fd, buffer, 0, buffer.length, 0);
            fs.ftruncateSync(fd, buffer.length);
        } finally {
            fs.closeSync(fd);
        }
        this.current = content;
    }

    remove(): void {
        this.removed = true;
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
