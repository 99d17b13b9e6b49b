"""A Python program that consumes the kubernetes-redis component through its component provider.

The Redis class is what `pulumi package gen-sdk --language python` writes for a remote component,
reduced to its core: a ComponentResource with remote=True and the package's type token. The
arguments are read from args.json beside this file (the test writes the same arguments for the
YAML and TypeScript programs).
"""
import json
import os

import pulumi


class Redis(pulumi.ComponentResource):
    """kubernetes-redis:index:Redis, constructed by the component provider (the TypeScript package)."""

    connection: pulumi.Output[dict]
    host: pulumi.Output[str]
    port: pulumi.Output[int]
    password: pulumi.Output[str]
    password_secret_name: pulumi.Output[str]

    def __init__(self, name: str, args: dict, opts: pulumi.ResourceOptions | None = None):
        props = dict(args)
        # Output properties are declared with None: the provider fills them in. `namespace` is an
        # input and an output: the input's value stays.
        for output in ("connection", "host", "port", "password", "url", "passwordSecretName", "passwordSecretKey", "namespace"):
            props.setdefault(output, None)
        super().__init__("kubernetes-redis:index:Redis", name, props, opts, remote=True)


with open(os.path.join(os.path.dirname(__file__), "args.json"), encoding="utf-8") as f:
    spec = json.load(f)

redis = Redis(spec["name"], spec["args"])
pulumi.export("connection", redis.connection)
pulumi.export("host", redis.host)
