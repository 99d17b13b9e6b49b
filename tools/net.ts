import * as net from "net";

/** A TCP port on the loopback interface that nothing listens on right now. */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net
            .createServer()
            .listen(0, "127.0.0.1", () => {
                const { port } = server.address() as net.AddressInfo;
                server.close(() => resolve(port));
            })
            .on("error", reject);
    });
}
