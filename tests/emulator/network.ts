// Pod networking: one network namespace per pod, attached by a veth pair to a per-instance
// bridge on the host. The host owns the bridge address, so tests reach pods directly by IP,
// and pods reach each other over the bridge as they would over a flat CNI network.
import { run } from "./host";

export interface Cidr {
    base: number;
    bits: number;
}

export function parseIPv4(text: string): number {
    const parts = text.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
        throw new Error(`not an IPv4 address: ${text}`);
    }
    return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function formatIPv4(value: number): string {
    return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

export function parseCidr(text: string): Cidr {
    const [address, bitsText] = text.split("/");
    const bits = Number(bitsText);
    if (!Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`unsupported pod CIDR ${text}`);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return { base: (parseIPv4(address) & mask) >>> 0, bits };
}

function cidrRange(cidr: Cidr): [number, number] {
    return [cidr.base, cidr.base + 2 ** (32 - cidr.bits) - 1];
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    const [aStart, aEnd] = cidrRange(a);
    const [bStart, bEnd] = cidrRange(b);
    return aStart <= bEnd && bStart <= aEnd;
}

interface IpAddrJson {
    ifname: string;
    addr_info?: { family: string; local: string; prefixlen: number }[];
}

interface IpRouteJson {
    dst: string;
    dev?: string;
}

interface Clash {
    description: string;
    /** The interface the clashing address or route belongs to, when known. */
    link?: string;
}

/** Addresses and routes of this machine that overlap `cidrText`. */
export async function cidrClashes(cidrText: string): Promise<Clash[]> {
    const cidr = parseCidr(cidrText);
    const clashes: Clash[] = [];
    const addrs = JSON.parse(await run("ip", ["-j", "-4", "addr", "show"])) as IpAddrJson[];
    for (const link of addrs) {
        for (const info of link.addr_info ?? []) {
            if (info.family === "inet" && cidrsOverlap(cidr, parseCidr(`${info.local}/${Math.max(info.prefixlen, 8)}`))) {
                clashes.push({ description: `address ${info.local}/${info.prefixlen} on ${link.ifname}`, link: link.ifname });
            }
        }
    }
    const routes = JSON.parse(await run("ip", ["-j", "-4", "route", "show", "table", "all"])) as IpRouteJson[];
    for (const route of routes) {
        if (route.dst === "default" || route.dst.includes(":")) continue;
        const [address, bits] = (route.dst.includes("/") ? route.dst : `${route.dst}/32`).split("/");
        if (cidrsOverlap(cidr, parseCidr(`${address}/${Math.min(Math.max(Number(bits), 8), 30)}`))) {
            clashes.push({ description: `route ${route.dst}${route.dev ? ` dev ${route.dev}` : ""}`, link: route.dev });
        }
    }
    return clashes;
}

function clashError(cidrText: string, clashes: Clash[]): Error {
    const described = [...new Set(clashes.map((c) => c.description))].join("; ");
    return new Error(
        `pod CIDR ${cidrText} clashes with this machine's network (${described}); ` +
            "pass another podCidr, or run cleanupStale() if these are leftovers of an earlier emulator run",
    );
}

/**
 * Refuses a pod CIDR that overlaps an address or route the machine already has: pods on it
 * would shadow real hosts, or the host would answer for pods.
 */
export async function assertCidrFree(cidrText: string): Promise<void> {
    const clashes = await cidrClashes(cidrText);
    if (clashes.length > 0) throw clashError(cidrText, clashes);
}

export const DEFAULT_POD_CIDR = "10.244.0.0/16";
const FALLBACK_CIDRS = [1, 2, 3, 4, 5, 6, 7].map((i) => `10.${244 + i}.0.0/16`);

/**
 * The default pod CIDR, unless another live emulator instance (its links match
 * `isEmulatorLink`) holds it; then the next free /16 above it. Anything else in the way is a
 * refusal: the machine's own network is never shadowed.
 */
export async function choosePodCidr(isEmulatorLink: (link: string) => boolean): Promise<string> {
    const defaultClashes = await cidrClashes(DEFAULT_POD_CIDR);
    if (defaultClashes.length === 0) return DEFAULT_POD_CIDR;
    if (!defaultClashes.every((c) => c.link !== undefined && isEmulatorLink(c.link))) throw clashError(DEFAULT_POD_CIDR, defaultClashes);
    for (const candidate of FALLBACK_CIDRS) {
        if ((await cidrClashes(candidate)).length === 0) return candidate;
    }
    throw clashError(DEFAULT_POD_CIDR, defaultClashes);
}

export interface Sandbox {
    /** Network namespace name, usable with `ip netns exec`. */
    netns: string;
    /** Host end of the veth pair; taking it down partitions the pod. */
    hostVeth: string;
    ip: string;
}

/** The bridge, the IP allocator and the per-pod sandboxes of one emulator instance. */
export class PodNetwork {
    private nextHost: number;
    private readonly lastHost: number;
    private nextLink = 0;
    readonly bridge: string;
    readonly gateway: string;
    readonly prefixLength: number;

    private constructor(
        private readonly prefix: string,
        cidr: Cidr,
    ) {
        this.bridge = `${prefix}br`;
        this.gateway = formatIPv4(cidr.base + 1);
        this.prefixLength = cidr.bits;
        this.nextHost = cidr.base + 2;
        this.lastHost = cidrRange(cidr)[1] - 1;
    }

    static async create(prefix: string, cidrText: string): Promise<PodNetwork> {
        const network = new PodNetwork(prefix, parseCidr(cidrText));
        await run("ip", ["link", "add", network.bridge, "type", "bridge"]);
        await run("ip", ["addr", "add", `${network.gateway}/${network.prefixLength}`, "dev", network.bridge]);
        await run("ip", ["link", "set", network.bridge, "up"]);
        return network;
    }

    /**
     * Pod IPs are never reused within one run: a recreated pod must come back with a new IP, as it
     * does on a real cluster, so clients holding the old one are tested honestly.
     */
    private allocateIP(): string {
        if (this.nextHost > this.lastHost) throw new Error("pod CIDR exhausted");
        return formatIPv4(this.nextHost++);
    }

    async createSandbox(label: string): Promise<Sandbox> {
        const id = this.nextLink++;
        const netns = `${this.prefix}-${label}-${id}`;
        const hostVeth = `${this.prefix}h${id}`;
        const ip = this.allocateIP();
        await run("ip", ["netns", "add", netns]);
        try {
            // The peer is created inside the pod's namespace, so naming it eth0 cannot clash with the host.
            await run("ip", ["link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", netns]);
            await run("ip", ["link", "set", hostVeth, "master", this.bridge, "up"]);
            await run("ip", ["-n", netns, "link", "set", "lo", "up"]);
            await run("ip", ["-n", netns, "addr", "add", `${ip}/${this.prefixLength}`, "dev", "eth0"]);
            await run("ip", ["-n", netns, "link", "set", "eth0", "up"]);
            await run("ip", ["-n", netns, "route", "add", "default", "via", this.gateway]);
        } catch (error) {
            await this.removeSandbox({ netns, hostVeth, ip });
            throw error;
        }
        return { netns, hostVeth, ip };
    }

    async removeSandbox(sandbox: Sandbox): Promise<void> {
        // Deleting either end of a veth pair deletes both; the namespace goes when its last process does.
        await run("ip", ["link", "del", sandbox.hostVeth]).catch(() => undefined);
        await run("ip", ["netns", "del", sandbox.netns]).catch(() => undefined);
    }

    /**
     * A partition cuts the pod's only link, so it loses the host and every other pod at once while
     * its processes keep running (its loopback still works), like a node cut off from the network.
     */
    async setPartitioned(sandbox: Sandbox, partitioned: boolean): Promise<void> {
        await run("ip", ["link", "set", sandbox.hostVeth, partitioned ? "down" : "up"]);
    }
}
