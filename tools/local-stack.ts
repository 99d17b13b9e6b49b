// What the stack's own objects need from the machine around `pulumi up` and leave behind after
// `pulumi destroy`, read from the stack's render so that tools/local-up.sh and
// tools/local-down.sh follow its configuration (mode, replicas, namespace, volumes) instead of
// repeating it:
//   ts-node tools/local-stack.ts --stack local
// prints one line per item, for the shell:
//   volume-dir <node> <path> <uid>   a static local volume's directory, owned by the pods' user
//   claim <namespace> <name>         a claim the stack creates (kept by `destroy` with Retain)
//   persistentvolume <name>          a static PersistentVolume the stack creates (kept likewise)
//   storageclass <name>              a StorageClass the stack creates (kept likewise)
//   namespace <name>                 a namespace the stack creates (kept likewise)
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
                lines.push(`volume-dir ${nodes[0]} ${spec.local.path} ${[...uids][0]}`);
            }
            lines.push(`persistentvolume ${name}`);
        } else if (object.kind === "PersistentVolumeClaim") {
            lines.push(`claim ${object.metadata.namespace} ${name}`);
        } else if (object.kind === "StorageClass") {
            lines.push(`storageclass ${name}`);
        } else if (object.kind === "Namespace") {
            lines.push(`namespace ${name}`);
        }
    }
    return lines;
}

async function main(): Promise<void> {
    const { stack } = parseStackArgs("local-stack", process.argv.slice(2));
    for (const line of localStackLines(await renderStack(stack))) process.stdout.write(`${line}\n`);
}

if (require.main === module) {
    main().catch((error: Error) => {
        process.stderr.write(`local-stack: ${error.message}\n`);
        process.exit(1);
    });
}
