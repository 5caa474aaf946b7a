#!/usr/bin/python3
"""sam_templates: the AWS SAM templates of etc/aws/ describe the two seed
applications, and grant no more than they need.

No CloudFormation linter is usable here: Debian has none, PyPI is out of
reach, and npm's cfn-lint (martysweet/cfn-lint 1.9.7) carries a 2019
resource specification that rejects today's properties (Architectures,
LoggingConfig, FunctionResponseTypes, SqsManagedSseEnabled, ...).  So the
templates are read with PyYAML (Debian's python3-yaml) and CloudFormation's
short tags (!Ref, !Sub, !GetAtt, !If, ...), and checked:

1. Structure: the SAM transform; every Ref, GetAtt, ${...} of a Sub,
   DependsOn and Condition names a parameter, pseudo parameter, resource or
   condition that exists; every parameter is used; every default passes
   its own AllowedPattern/AllowedValues/MinValue/MaxValue.
2. The function: provided.al2023, handler bootstrap, x86_64, the code from
   flowlog2ipfix-lambda-x86_64.zip at the top of the tree (the name
   etc/aws/lambda-zip.sh gives it), the VPC from the SubnetIds and
   SecurityGroupIds parameters (list types), FLOWLOG2IPFIX_OUTPUT from
   CollectorAddress (which accepts tcp://10.0.0.5:4739 and refuses a bare
   address), FLOWLOG2IPFIX_FORMAT from LogFormat, and every FLOWLOG2IPFIX_*
   variable an option that `flowlog2ipfix --help` lists.
3. Permissions: the role is for lambda.amazonaws.com only, has
   AWSLambdaVPCAccessExecutionRole (network interfaces, its own logs) and
   as inline statements exactly the expected (actions, resource) pairs:
   no "*" in actions or resources, no Deny/NotAction tricks.
4. cwl-subscription.yaml: a CloudWatchLogs event on LogGroupName with
   FilterPattern; failed asynchronous events go to an SQS queue the role
   may send to, and only that.
5. s3-sqs.yaml: an SQS event on the queue with
   FunctionResponseTypes [ReportBatchItemFailures]; the queue's redrive
   policy names the dead-letter queue; its visibility timeout is at least
   six times the function's timeout (defaults); the queue policy lets only
   s3.amazonaws.com send, only from the bucket and the account; the role
   reads only BucketName/Prefix* (resolved with sample values) and polls
   only the queue; the bucket (when created) depends on the queue policy
   and notifies the queue of s3:ObjectCreated:* for *.log.gz under the
   prefix.
6. README.md: every ParameterKey the "Deploying to AWS Lambda" commands
   pass is a parameter of the template they deploy.
7. The arm64 copies README.md makes with sed 's/x86_64/arm64/g' (the
   same substitution, applied here): each passes 1 and 2 with arm64 and
   flowlog2ipfix-lambda-arm64.zip, and is otherwise the same template
   (nothing else in it named x86_64).
"""

import copy
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402

try:
    import yaml
except ImportError:
    fltest.log("SKIP: python3-yaml is not installed (Debian: python3-yaml)")
    sys.exit(fltest.SKIP)

PSEUDO = {"AWS::AccountId", "AWS::NoValue", "AWS::NotificationARNs",
          "AWS::Partition", "AWS::Region", "AWS::StackId",
          "AWS::StackName", "AWS::URLSuffix"}
SAMPLE_PSEUDO = {"AWS::Partition": "aws", "AWS::AccountId": "111122223333",
                 "AWS::Region": "eu-central-1", "AWS::StackName": "fl"}
ZIP_NAME = "flowlog2ipfix-lambda-%s.zip"
ARM64_SED = "sed 's/x86_64/arm64/g'"
VPC_POLICY = ("arn:${AWS::Partition}:iam::aws:policy/service-role/"
              "AWSLambdaVPCAccessExecutionRole")


# ---- YAML with CloudFormation's short tags --------------------------------

class CfnLoader(yaml.SafeLoader):
    pass


def _short_tag(tag, fn):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            v = loader.construct_scalar(node)
            if fn == "Fn::GetAtt":
                v = v.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            v = loader.construct_sequence(node, deep=True)
        else:
            v = loader.construct_mapping(node, deep=True)
        return {fn: v}
    CfnLoader.add_constructor("!" + tag, construct)


for _t in ("Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs", "ImportValue",
           "Join", "Select", "Split", "Sub", "Transform", "And", "Equals",
           "If", "Not", "Or"):
    _short_tag(_t, "Fn::" + _t)
_short_tag("Ref", "Ref")
_short_tag("Condition", "Condition")


def load(path):
    with open(path) as f:
        return yaml.load(f, Loader=CfnLoader)


def ref(name):
    return {"Ref": name}


def getatt(res, attr):
    return {"Fn::GetAtt": [res, attr]}


def sub(s):
    return {"Fn::Sub": s}


# ---- walking and resolving ------------------------------------------------

def walk(v, fn):
    """Calls fn(node) on every dict, depth first."""
    if isinstance(v, dict):
        fn(v)
        for x in v.values():
            walk(x, fn)
    elif isinstance(v, list):
        for x in v:
            walk(x, fn)


def sub_vars(s):
    """The ${Name} and ${Res.Attr} of a Sub string (not ${!literal})."""
    return [m for m in re.findall(r"\$\{([^}]*)\}", s)
            if not m.startswith("!")]


def resolve(v, params):
    """A value with Ref/Sub of parameters and pseudo parameters replaced
    by params[...]; GetAtt stays as 'GetAtt:Res.Attr'."""
    if isinstance(v, dict) and len(v) == 1:
        (k, x), = v.items()
        if k == "Ref":
            return params.get(x, "Ref:" + x)
        if k == "Fn::GetAtt":
            return "GetAtt:" + ".".join(x)
        if k == "Fn::Sub" and isinstance(x, str):
            return re.sub(r"\$\{([^}!][^}]*)\}",
                          lambda m: str(params.get(m.group(1),
                                                   "${%s}" % m.group(1))), x)
    if isinstance(v, list):
        return [resolve(x, params) for x in v]
    return v


def as_list(v):
    return v if isinstance(v, list) else [v]


# ---- checks shared by both templates --------------------------------------

def check_structure(c, name, t):
    c.eq(t.get("Transform"), "AWS::Serverless-2016-10-31",
         "%s: SAM transform" % name)
    params = t.get("Parameters", {})
    res = t.get("Resources", {})
    conds = t.get("Conditions", {})
    used = set()

    def visit(d):
        if "Ref" in d and len(d) == 1:
            n = d["Ref"]
            used.add(n)
            c.check(n in params or n in res or n in PSEUDO,
                    "%s: Ref %s names something" % (name, n))
        if "Fn::GetAtt" in d:
            r = d["Fn::GetAtt"][0]
            c.check(r in res, "%s: GetAtt %s names a resource" % (name, r))
        if "Fn::Sub" in d:
            s = d["Fn::Sub"]
            s = s[0] if isinstance(s, list) else s
            for var in sub_vars(s):
                base = var.split(".", 1)[0]
                used.add(base)
                c.check(base in params or base in res or var in PSEUDO,
                        "%s: Sub ${%s} names something" % (name, var))
        if "Fn::If" in d:
            c.check(d["Fn::If"][0] in conds,
                    "%s: Fn::If %s is a condition" % (name, d["Fn::If"][0]))
    walk(t, visit)
    for rn, r in res.items():
        if "Condition" in r:
            c.check(r["Condition"] in conds,
                    "%s: %s's condition exists" % (name, rn))
        for dep in as_list(r.get("DependsOn", [])):
            c.check(dep in res, "%s: %s depends on a resource (%s)"
                    % (name, rn, dep))
    for p, spec in params.items():
        c.check(p in used, "%s: parameter %s is used" % (name, p))
        if "Default" not in spec:
            continue
        d = spec["Default"]
        if "AllowedPattern" in spec:
            c.check(re.fullmatch(spec["AllowedPattern"], str(d)) is not None,
                    "%s: %s's default matches its pattern" % (name, p))
        if "AllowedValues" in spec:
            c.check(d in spec["AllowedValues"],
                    "%s: %s's default is allowed" % (name, p))
        if "MinValue" in spec:
            c.check(float(d) >= spec["MinValue"],
                    "%s: %s's default >= MinValue" % (name, p))
        if "MaxValue" in spec:
            c.check(float(d) <= spec["MaxValue"],
                    "%s: %s's default <= MaxValue" % (name, p))


def the_function(c, name, t):
    fns = [(k, r) for k, r in t["Resources"].items()
           if r["Type"] == "AWS::Serverless::Function"]
    c.eq(len(fns), 1, "%s: one function" % name)
    return fns[0][1]["Properties"]


def check_function(c, name, path, t, options, arch="x86_64"):
    params = t["Parameters"]
    fp = the_function(c, name, t)
    c.eq(fp.get("Runtime"), "provided.al2023", "%s: runtime" % name)
    c.eq(fp.get("Handler"), "bootstrap", "%s: handler" % name)
    c.eq(fp.get("Architectures"), [arch], "%s: architecture" % name)
    code = os.path.normpath(os.path.join(os.path.dirname(path),
                                         fp.get("CodeUri", "")))
    top = os.path.normpath(os.path.join(os.path.dirname(path), "..", ".."))
    c.eq(code, os.path.join(top, ZIP_NAME % arch),
         "%s: CodeUri is make lambda-zip's zip at the top of the tree" % name)
    c.eq(fp.get("Role"), getatt("Role", "Arn"), "%s: the role" % name)
    c.eq(t["Resources"]["Role"]["Type"], "AWS::IAM::Role",
         "%s: Role is an IAM role" % name)

    vpc = fp.get("VpcConfig", {})
    c.eq(vpc.get("SubnetIds"), ref("SubnetIds"), "%s: subnets" % name)
    c.eq(vpc.get("SecurityGroupIds"), ref("SecurityGroupIds"),
         "%s: security groups" % name)
    c.eq(params["SubnetIds"]["Type"], "List<AWS::EC2::Subnet::Id>",
         "%s: SubnetIds type" % name)
    c.eq(params["SecurityGroupIds"]["Type"],
         "List<AWS::EC2::SecurityGroup::Id>",
         "%s: SecurityGroupIds type" % name)

    env = fp.get("Environment", {}).get("Variables", {})
    c.eq(env.get("FLOWLOG2IPFIX_OUTPUT"), ref("CollectorAddress"),
         "%s: FLOWLOG2IPFIX_OUTPUT" % name)
    c.eq(env.get("FLOWLOG2IPFIX_FORMAT"), ref("LogFormat"),
         "%s: FLOWLOG2IPFIX_FORMAT" % name)
    for var in env:
        c.check(var.startswith("FLOWLOG2IPFIX_") and
                var[len("FLOWLOG2IPFIX_"):].lower().replace("_", "-")
                in options,
                "%s: %s is the variable of an option in --help"
                % (name, var))
    pat = params["CollectorAddress"].get("AllowedPattern", "")
    c.check(re.fullmatch(pat, "tcp://10.0.0.5:4739") is not None,
            "%s: CollectorAddress accepts tcp://10.0.0.5:4739" % name)
    c.check(re.fullmatch(pat, "udp://collector.example.net:2055") is not None,
            "%s: CollectorAddress accepts udp://collector.example.net:2055"
            % name)
    c.check(re.fullmatch(pat, "10.0.0.5:4739") is None,
            "%s: CollectorAddress refuses 10.0.0.5:4739" % name)
    return fp


def grants(c, name, t):
    """The role's inline statements as {(actions, resource)}; checks the
    trust policy, the managed policies and the statements' shape."""
    role = t["Resources"]["Role"]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    c.eq(trust, [{"Effect": "Allow",
                  "Principal": {"Service": "lambda.amazonaws.com"},
                  "Action": "sts:AssumeRole"}],
         "%s: only Lambda assumes the role" % name)
    c.eq(role.get("ManagedPolicyArns"), [sub(VPC_POLICY)],
         "%s: managed policies" % name)
    out = set()
    for pol in role.get("Policies", []):
        for st in pol["PolicyDocument"]["Statement"]:
            c.eq(sorted(st), ["Action", "Effect", "Resource"],
                 "%s: %s statement has only Effect/Action/Resource"
                 % (name, pol["PolicyName"]))
            c.eq(st.get("Effect"), "Allow", "%s: Allow" % name)
            acts = tuple(sorted(as_list(st.get("Action", []))))
            for a in acts:
                c.check("*" not in a, "%s: no wildcard action (%s)"
                        % (name, a))
            for r in as_list(st.get("Resource", [])):
                c.check(r != "*", "%s: no '*' resource" % name)
                out.add((acts, yaml.safe_dump(r, default_flow_style=True)))
    return out


def grant(actions, resource):
    return (tuple(sorted(actions)),
            yaml.safe_dump(resource, default_flow_style=True))


# ---- the two applications -------------------------------------------------

def check_cwl(c, path, options):
    name = "cwl-subscription.yaml"
    t = load(path)
    check_structure(c, name, t)
    fp = check_function(c, name, path, t, options)
    ev = fp.get("Events", {})
    c.eq(len(ev), 1, "%s: one event source" % name)
    e = next(iter(ev.values()))
    c.eq(e.get("Type"), "CloudWatchLogs", "%s: event type" % name)
    c.eq(e.get("Properties"), {"LogGroupName": ref("LogGroupName"),
                               "FilterPattern": ref("FilterPattern")},
         "%s: subscription on LogGroupName with FilterPattern" % name)
    c.eq(fp.get("DeadLetterQueue"),
         {"Type": "SQS", "TargetArn": getatt("FailedEvents", "Arn")},
         "%s: failed events to the FailedEvents queue" % name)
    c.eq(t["Resources"]["FailedEvents"]["Type"], "AWS::SQS::Queue",
         "%s: FailedEvents is a queue" % name)
    c.eq(grants(c, name, t),
         {grant(["sqs:SendMessage"], getatt("FailedEvents", "Arn"))},
         "%s: inline grants" % name)
    return t


def check_s3(c, path, options):
    name = "s3-sqs.yaml"
    t = load(path)
    check_structure(c, name, t)
    fp = check_function(c, name, path, t, options)
    res, params = t["Resources"], t["Parameters"]

    ev = fp.get("Events", {})
    c.eq(len(ev), 1, "%s: one event source" % name)
    e = next(iter(ev.values()))
    c.eq(e.get("Type"), "SQS", "%s: event type" % name)
    ep = e.get("Properties", {})
    c.eq(ep.get("Queue"), getatt("Queue", "Arn"), "%s: event queue" % name)
    c.eq(ep.get("FunctionResponseTypes"), ["ReportBatchItemFailures"],
         "%s: partial batch answers" % name)

    q = res["Queue"]
    c.eq(q["Type"], "AWS::SQS::Queue", "%s: Queue type" % name)
    rp = q["Properties"].get("RedrivePolicy", {})
    c.eq(rp.get("deadLetterTargetArn"), getatt("DeadLetterQueue", "Arn"),
         "%s: redrive to the dead-letter queue" % name)
    c.eq(res["DeadLetterQueue"]["Type"], "AWS::SQS::Queue",
         "%s: DeadLetterQueue type" % name)
    c.check("maxReceiveCount" in rp, "%s: maxReceiveCount" % name)
    c.eq(fp.get("Timeout"), ref("Timeout"), "%s: Timeout parameter" % name)
    vis = q["Properties"].get("VisibilityTimeout")
    c.eq(vis, ref("QueueVisibilityTimeout"), "%s: visibility parameter"
         % name)
    c.check(int(params["QueueVisibilityTimeout"]["Default"]) >=
            6 * int(params["Timeout"]["Default"]),
            "%s: default visibility >= 6 x default timeout" % name)

    qp = res["QueuePolicy"]["Properties"]
    c.eq(qp.get("Queues"), [ref("Queue")], "%s: queue policy's queue" % name)
    c.eq(qp["PolicyDocument"]["Statement"], [{
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": getatt("Queue", "Arn"),
        "Condition": {
            "ArnEquals": {"aws:SourceArn":
                          sub("arn:${AWS::Partition}:s3:::${BucketName}")},
            "StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")}}}],
        "%s: only the bucket's S3 notifications may send" % name)

    c.eq(grants(c, name, t), {
        grant(["s3:GetObject"],
              sub("arn:${AWS::Partition}:s3:::${BucketName}/${Prefix}*")),
        grant(["sqs:ReceiveMessage", "sqs:DeleteMessage",
               "sqs:GetQueueAttributes"], getatt("Queue", "Arn"))},
        "%s: inline grants" % name)
    sample = dict(SAMPLE_PSEUDO, BucketName="flowlogs-example",
                  Prefix=params["Prefix"]["Default"])
    role = res["Role"]["Properties"]
    s3res = [resolve(st["Resource"], sample) for p in role["Policies"]
             for st in p["PolicyDocument"]["Statement"]
             if st["Action"] == "s3:GetObject"]
    c.eq(s3res, ["arn:aws:s3:::flowlogs-example/AWSLogs/*"],
         "%s: GetObject on the bucket's prefix only (sample values)" % name)

    b = res["Bucket"]
    c.eq(b.get("Condition"), "MakeBucket", "%s: bucket is optional" % name)
    c.eq(as_list(b.get("DependsOn")), ["QueuePolicy"],
         "%s: bucket after the queue policy" % name)
    bp = b["Properties"]
    c.eq(bp.get("BucketName"), ref("BucketName"), "%s: bucket name" % name)
    qc = bp["NotificationConfiguration"]["QueueConfigurations"]
    c.eq(len(qc), 1, "%s: one notification" % name)
    c.eq(qc[0].get("Event"), "s3:ObjectCreated:*", "%s: event" % name)
    c.eq(qc[0].get("Queue"), getatt("Queue", "Arn"),
         "%s: notifies the queue" % name)
    rules = qc[0]["Filter"]["S3Key"]["Rules"]
    if isinstance(rules, dict) and "Fn::If" in rules:
        cond, with_p, without_p = rules["Fn::If"]
        c.eq(t["Conditions"][cond],
             {"Fn::Not": [{"Fn::Equals": [ref("Prefix"), ""]}]},
             "%s: the prefix rule only with a prefix" % name)
        c.eq(with_p, [{"Name": "prefix", "Value": ref("Prefix")},
                      {"Name": "suffix", "Value": ".log.gz"}],
             "%s: rules with a prefix" % name)
        c.eq(without_p, [{"Name": "suffix", "Value": ".log.gz"}],
             "%s: rules without" % name)
    else:
        c.check(False, "%s: filter rules depend on the prefix" % name)
    return t


def without_arch(t):
    """The template less what names the architecture."""
    t = copy.deepcopy(t)
    t.pop("Description", None)
    for r in t["Resources"].values():
        if r["Type"] == "AWS::Serverless::Function":
            r["Properties"].pop("Architectures", None)
            r["Properties"].pop("CodeUri", None)
    return t


def check_arm64(c, name, path, t, options):
    """README's sed on the template: the arm64 copy."""
    with open(path) as f:
        text = f.read()
    arm = yaml.load(text.replace("x86_64", "arm64"), Loader=CfnLoader)
    aname = name.replace(".yaml", "-arm64.yaml")
    check_structure(c, aname, arm)
    check_function(c, aname, path, arm, options, arch="arm64")
    c.check(without_arch(arm) == without_arch(t), "%s: the same template as "
            "%s but for the architecture and the zip" % (aname, name))
    c.check("flowlog2ipfix-lambda-arm64.zip" in arm.get("Description", ""),
            "%s: its description names the arm64 zip" % aname)


def check_readme(c, readme, templates):
    """ParameterKey=... of the README's deploy commands exist."""
    with open(readme) as f:
        text = f.read()
    m = re.search(r"^## Deploying to AWS Lambda\n(.*?)(?=^## )", text,
                  re.S | re.M)
    if not c.check(m is not None, "README: 'Deploying to AWS Lambda'"):
        return
    sect = m.group(1)
    deployed = set()
    for block in re.findall(r"```sh\n(.*?)```", sect, re.S):
        tm = re.search(r"--template-file etc/aws/([\w-]+\.yaml)", block)
        if not tm or "--parameter-overrides" not in block:
            continue
        # An arm64 copy (check_arm64) has its template's parameters.
        tname = tm.group(1).replace("-arm64.yaml", ".yaml")
        if tname != tm.group(1):
            c.check(ARM64_SED in block, "README: %s is made with %s"
                    % (tm.group(1), ARM64_SED))
        c.check(tname in templates, "README: %s is a template" % tname)
        params = templates.get(tname, {}).get("Parameters", {})
        keys = re.findall(r"\b([A-Z][A-Za-z]+)=", block)
        keys = [k for k in keys if not k.isupper()]
        for k in keys:
            c.check(k in params, "README: %s is a parameter of %s"
                    % (k, tm.group(1)))
        required = [p for p, s in params.items() if "Default" not in s]
        for p in required:
            c.check(p in keys, "README: the %s command sets %s"
                    % (tm.group(1), p))
        deployed.add(tname)
    c.eq(deployed, set(templates), "README: a deploy command per template")
    c.check(ARM64_SED in sect, "README: the arm64 copies are made with %s"
            % ARM64_SED)


def main():
    env = fltest.Env()
    try:
        return run(env)
    finally:
        env.cleanup()


def run(env):
    c = fltest.Checker("sam_templates")
    if not os.access(env.bin, os.X_OK):
        fltest.die("flowlog2ipfix binary not found at %s (set FL_BIN)"
                   % env.bin)
    aws = os.path.join(env.srcdir, "etc", "aws")
    helptext = subprocess.run([env.bin, "--help"], capture_output=True,
                              text=True, check=False).stdout
    options = set(re.findall(r"^\s+(?:-\w, )?--([a-z0-9-]+)", helptext,
                             re.M))
    if not c.check(len(options) > 20, "--help lists the options"):
        return c.finish()
    templates = {
        "cwl-subscription.yaml":
            check_cwl(c, os.path.join(aws, "cwl-subscription.yaml"), options),
        "s3-sqs.yaml":
            check_s3(c, os.path.join(aws, "s3-sqs.yaml"), options),
    }
    for name, t in templates.items():
        check_arm64(c, name, os.path.join(aws, name), t, options)
    check_readme(c, os.path.join(env.srcdir, "README.md"), templates)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
