// What the stack's own objects need from the machine around `pulumi up` and leave behind after
// `pulumi destroy`, so that tools/local-up.sh and tools/local-down.sh follow the stack's
// configuration (mode, replicas, namespace, volumes) instead of repeating it:
//   ts-node tools/local-stack.ts --stack local      from the stack's render (its current config)
//   ts-node tools/local-stack.ts --state <file>     from `pulumi stack export` (what was deployed)
// prints one line per item, its fields separated by tabs, for the shell:
//   volume-dir <node> <path> <uid>   a static local volume's directory, owned by the pods' user
//   namespace <name>                 a namespace the stack creates (kept by `destroy` with Retain)
//   claim <namespace> <name>         a claim the stack creates (kept likewise)
//   persistentvolume <name>          a static PersistentVolume the stack creates (kept likewise)
//   storageclass <name>              a StorageClass the stack creates (kept likewise)
import * as fs from "fs";
import { KubeObject } from "../sdk/render";
import { parseStackArgs } from "./cli-args";
import { renderStack } from "./render";

interface LocalVolumeSpec {
    local?: { path: string };
    nodeAffinity?: { required?: { nodeSelectorTerms?: { matchExpressions?: { key: string; values?: string[] }[] }[] } };
}

interface PodOwner {
    spec: { template: { spec: { securityContext?: { runAsUser?: number } } } };
}

/** The lines described above, for the stack's rendered objects. */
export function localStackLines(objects: KubeObject[]): string[] {
    const uids = new Set(
        objects
            .filter((object) => object.kind === "StatefulSet")
            .map((object) => (object as unknown as PodOwner).spec.template.spec.securityContext?.runAsUser),
    );
    const lines: string[] = [];
    for (const object of objects) {
        const name = object.metadata.name;
        if (object.kind === "PersistentVolume") {
            const spec = (object as unknown as { spec: LocalVolumeSpec }).spec;
            if (spec.local) {
                const nodes = (spec.nodeAffinity?.required?.nodeSelectorTerms ?? [])
                    .flatMap((term) => term.matchExpressions ?? [])
                    .filter((expression) => expression.key === "kubernetes.io/hostname")
                    .flatMap((expression) => expression.values ?? []);
                if (nodes.length !== 1 || uids.size !== 1 || [...uids][0] === undefined) {
                    throw new Error(
                        `PersistentVolume ${name}: expected one node and one pod user, found nodes [${nodes}] and users [${[...uids]}]`,
                    );
                }
                lines.push(["volume-dir", nodes[0], spec.local.path, [...uids][0]].join("\t"));
            }
            lines.push(["persistentvolume", name].join("\t"));
        } else if (object.kind === "PersistentVolumeClaim") {
            lines.push(["claim", object.metadata.namespace, name].join("\t"));
        } else if (object.kind === "StorageClass") {
            lines.push(["storageclass", name].join("\t"));
        } else if (object.kind === "Namespace") {
            lines.push(["namespace", name].join("\t"));
        }
    }
    return lines;
}

/** The Kubernetes objects a stack's state holds (`pulumi stack export`): each one's live object. */
export function deployedObjects(exported: { deployment: { resources?: { type: string; outputs?: unknown }[] } }): KubeObject[] {
    return (exported.deployment.resources ?? [])
        .filter((resource) => resource.type.startsWith("kubernetes:") && resource.outputs !== undefined)
        .map((resource) => resource.outputs as KubeObject)
        .filter((object) => typeof object.kind === "string" && typeof object.metadata?.name === "string");
}

async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    const objects =
        argv[0] === "--state" && argv.length === 2
            ? deployedObjects(JSON.parse(fs.readFileSync(argv[1], "utf8")))
            : await renderStack(parseStackArgs("local-stack", argv).stack);
    for (const line of localStackLines(objects)) process.stdout.write(`${line}\n`);
}

if (require.main === module) {
    main().catch((error: Error) => {
        process.stderr.write(`local-stack: ${error.message}\n`);
        process.exit(1);
    });
}
