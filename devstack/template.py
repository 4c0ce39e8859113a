"""Read template.yaml the way the local runtime needs it: functions, their environment, and the
events that invoke them, with intrinsic functions resolved against the local resources."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from devstack.provision import ACCOUNT_ID, DEV_PARAMETERS, STACK_NAME, TEMPLATE


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, !GetAtt, ...) as their long forms."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CfnLoader)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    authorized: bool

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters if this route serves the request, else None."""
        if method != self.method and self.method != "ANY":
            return None
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class QueueSource:
    function: str
    queue_logical_id: str
    batch_size: int
    report_item_failures: bool
    max_concurrency: int


@dataclass(frozen=True)
class BucketSource:
    function: str
    bucket_logical_id: str
    events: list[str]
    prefix: str


@dataclass(frozen=True)
class Schedule:
    function: str
    expression: str
    input: str


@dataclass
class Function:
    logical_id: str
    code_uri: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str] = field(default_factory=dict)


@dataclass
class LocalStack:
    functions: dict[str, Function]
    layer_dirs: list[Path]
    routes: list[Route]
    queues: list[QueueSource]
    buckets: list[BucketSource]
    schedules: list[Schedule]
    parameters: dict[str, str] = field(default_factory=dict)


class Resolver:
    """Resolves Ref, Fn::Sub, Fn::GetAtt and Fn::Join against parameters and local resources."""

    def __init__(
        self, template: dict[str, Any], physical: dict[str, str], parameters: dict[str, str], region: str
    ):
        self.template = template
        self.physical = physical
        self.region = region
        self.parameters = {
            name: str(parameters.get(name, spec.get("Default", "")))
            for name, spec in template.get("Parameters", {}).items()
        }
        self.pseudo = {
            "AWS::StackName": STACK_NAME,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": region,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
        }

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical:
            return self.physical[name]
        raise KeyError(f"cannot resolve !Ref {name} locally")

    def get_att(self, logical_id: str, attribute: str) -> str:
        physical = self.physical[logical_id]
        kind = self.template["Resources"][logical_id]["Type"]
        if kind == "AWS::SQS::Queue":
            name = physical.rsplit("/", 1)[-1]
            return {
                "QueueName": name,
                "Arn": f"arn:aws:sqs:{self.region}:{ACCOUNT_ID}:{name}",
                "QueueUrl": physical,
            }[attribute]
        if kind == "AWS::S3::Bucket" and attribute == "Arn":
            return f"arn:aws:s3:::{physical}"
        if kind == "AWS::DynamoDB::Table" and attribute == "Arn":
            return f"arn:aws:dynamodb:{self.region}:{ACCOUNT_ID}:table/{physical}"
        raise KeyError(f"cannot resolve !GetAtt {logical_id}.{attribute} locally")

    def value(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                return self.get_att(*arg)
            if key == "Fn::Sub":
                text, names = (arg, {}) if isinstance(arg, str) else (arg[0], self.value(arg[1]))

                def substitute(match: re.Match[str]) -> str:
                    token = match.group(1)
                    if token in names:
                        return str(names[token])
                    if "." in token:
                        return self.get_att(*token.split(".", 1))
                    return self.ref(token)

                return re.sub(r"\$\{([^}!]+)\}", substitute, text)
            if key == "Fn::Join":
                return arg[0].join(str(self.value(v)) for v in arg[1])
        if isinstance(node, dict):
            return {k: self.value(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.value(v) for v in node]
        return node


def http_routes(template: dict[str, Any]) -> list[Route]:
    """The HttpApi events of the template's functions, in the template's order."""
    routes = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] == "HttpApi":
                p = event.get("Properties", {})
                authorized = p.get("Auth", {}).get("Authorizer") != "NONE"
                routes.append(Route(p["Method"].upper(), p["Path"], logical_id, authorized))
    return routes


def read_stack(
    physical: dict[str, str], *, parameters: dict[str, str] | None = None, region: str = "eu-west-2"
) -> LocalStack:
    """The functions and event sources of template.yaml, resolved against the local resources."""
    template = load_template()
    resolver = Resolver(template, physical, {**DEV_PARAMETERS, **(parameters or {})}, region)
    root = TEMPLATE.parent
    globals_ = template.get("Globals", {}).get("Function", {})
    resources = template["Resources"]
    stack = LocalStack({}, [], http_routes(template), [], [], [], resolver.parameters)
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            stack.layer_dirs.append(root / resource["Properties"]["ContentUri"])
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        env = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **props.get("Environment", {}).get("Variables", {}),
        }
        stack.functions[logical_id] = Function(
            logical_id=logical_id,
            code_uri=root / props["CodeUri"],
            handler=props.get("Handler", globals_.get("Handler")),
            timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
            memory=int(props.get("MemorySize", globals_.get("MemorySize", 128))),
            environment={k: str(resolver.value(v)) for k, v in env.items()},
        )
        for event in props.get("Events", {}).values():
            kind, p = event["Type"], event.get("Properties", {})
            if kind == "SQS":
                stack.queues.append(
                    QueueSource(
                        function=logical_id,
                        queue_logical_id=p["Queue"]["Fn::GetAtt"][0],
                        batch_size=int(p.get("BatchSize", 10)),
                        report_item_failures="ReportBatchItemFailures" in p.get("FunctionResponseTypes", []),
                        max_concurrency=int(
                            resolver.value(p.get("ScalingConfig", {}).get("MaximumConcurrency", 2))
                        ),
                    )
                )
            elif kind == "S3":
                rules = p.get("Filter", {}).get("S3Key", {}).get("Rules", [])
                prefix = next((r["Value"] for r in rules if r["Name"].lower() == "prefix"), "")
                events = p["Events"] if isinstance(p["Events"], list) else [p["Events"]]
                stack.buckets.append(BucketSource(logical_id, p["Bucket"]["Ref"], events, prefix))
            elif kind in ("ScheduleV2", "Schedule"):
                stack.schedules.append(
                    Schedule(
                        logical_id,
                        str(resolver.value(p["ScheduleExpression"])),
                        str(resolver.value(p["Input"])),
                    )
                )
    return stack


def rate_seconds(expression: str) -> float:
    """Seconds between runs of a rate(N unit) schedule expression."""
    found = re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", expression.strip())
    if not found:
        raise ValueError(f"only rate(...) schedules run locally, not {expression!r}")
    unit = {"minute": 60, "hour": 3600, "day": 86400}[found.group(2).rstrip("s")]
    return int(found.group(1)) * unit
