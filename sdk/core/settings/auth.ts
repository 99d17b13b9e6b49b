import { RedisArgs } from "../../api/args";
import { ArgumentChecker } from "../checks/checker";
import { PASSWORD_KEY } from "../constants";
import { resourceNames } from "../names";
import { AuthSettings } from "./types";

export function resolveAuth(check: ArgumentChecker, name: string, args: RedisArgs): AuthSettings {
    check.knownKeys("auth", args.auth, { password: true, existingSecret: true });
    const existing = args.auth?.existingSecret;
    if (existing !== undefined) {
        if (args.auth?.password !== undefined) {
            check.fail(
                "auth",
                { password: "[secret]", existingSecret: existing },
                "sets both password and existingSecret",
                "pass the password, or name the Secret that holds it, not both",
            );
        }
        check.knownKeys("auth.existingSecret", existing, { name: true, key: true });
        const secretName = check.dnsSubdomain("auth.existingSecret.name", existing.name);
        const key = existing.key ?? PASSWORD_KEY;
        if (typeof key !== "string" || !/^[-._a-zA-Z0-9]{1,253}$/.test(key)) {
            check.fail("auth.existingSecret.key", key, "is not a valid Secret key", "use letters, digits, '-', '_' or '.'");
        }
        return { source: "existingSecret", secretName, secretKey: key };
    }
    return {
        source: args.auth?.password === undefined ? "generated" : "provided",
        secretName: resourceNames(name).secret,
        secretKey: PASSWORD_KEY,
    };
}
