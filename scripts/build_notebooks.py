"""Build every lesson notebook (00 to 07) from the readable source in this file.

Each lesson is written below as plain text: ``%% md`` starts a markdown cell, ``%% code``
a code cell, and ``%% code [tag, tag]`` a code cell with cell tags (for example
``raises-exception`` for a cell whose error is part of the lesson). The script writes
``notebooks/<name>.ipynb`` with nbformat and no outputs; the outputs are always produced
by executing the notebook (``python scripts/regenerate_notebooks.py``), never by hand.

Usage::

    python scripts/build_notebooks.py            # write all eight notebooks (outputs cleared)
    python scripts/build_notebooks.py 01 04      # only these lessons
    python scripts/build_notebooks.py --check    # exit 1 if a notebook's sources differ
    python scripts/build_notebooks.py --execute  # build, then store outputs (regenerate_notebooks.py)

Editing a lesson: change its text here, run this script, then regenerate the outputs.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

_MARK = re.compile(r"^%% (md|code)(?: \[([^\]]*)\])?\s*$")

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}


def parse(text: str) -> list:
    """Turn a lesson's source text into nbformat cells."""
    cells, kind, tags, lines = [], None, [], []

    def flush():
        if kind is None:
            return
        source = "\n".join(lines).strip("\n")
        if kind == "md":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            if re.search(r"^#{2,3} \S", source, flags=re.MULTILINE):
                raise ValueError(
                    f"a markdown heading inside a code cell (missing '%% md'?):\n{source}"
                )
            cell = nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = list(tags)
        cells.append(cell)

    for line in text.splitlines():
        match = _MARK.match(line)
        if match:
            flush()
            kind = match.group(1)
            tags = [t.strip() for t in (match.group(2) or "").split(",") if t.strip()]
            lines = []
        elif kind is not None:
            lines.append(line)
    flush()
    return cells


def build(name: str, text: str):
    """A fresh notebook (no outputs) for lesson ``name``; cell ids are stable across builds."""
    nb = nbformat.v4.new_notebook()
    nb.cells = parse(text)
    for index, cell in enumerate(nb.cells):
        cell.id = f"{name[:2]}-{index:03d}"
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata["language_info"] = LANGUAGE_INFO
    return nb


def execute(paths: list[Path]) -> int:
    """Store fresh outputs by running ``scripts/regenerate_notebooks.py`` on ``paths``."""
    import subprocess

    command = [sys.executable, str(ROOT / "scripts" / "regenerate_notebooks.py"), *map(str, paths)]
    return subprocess.call(command, cwd=ROOT)


def _sources(nb) -> list[tuple[str, str | None, str, list]]:
    """What ``--check`` compares: cell type, id (stored outputs stay with it), source, tags."""
    return [
        (c.cell_type, c.get("id"), c.source, list(c.metadata.get("tags", []))) for c in nb.cells
    ]


# ============================================================================ 00 start here

NB_00 = r"""
%% md
# Start here: find out who writes your Step Functions logs

---

%% md
## Overview

A Step Functions state machine with logging turned on sends its execution events to a
CloudWatch Logs log group. Most people assume the state machine's IAM role writes them.
It does not: the log-delivery service `delivery.logs.amazonaws.com` writes them, and only
the CloudWatch Logs **resource policy** decides whether it may. This lab lets you see that,
change it and predict it, in a simulated AWS account that runs on your laptop.

This page covers:

1. Who the lab is for and what you will be able to do afterwards
2. Checking your environment
3. Opening a world: offline (the default) or a real account
4. The map of the lessons

%% md
## Prerequisites

| Concepts | Importance | Notes |
| --- | --- | --- |
| Python and Jupyter basics | Necessary | running cells, reading a `dict` |
| [boto3 clients](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html) | Helpful | every lesson talks plain boto3 |
| [IAM policies](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html) | Helpful | identity policies vs resource policies |

- **Time to learn**: 5 minutes for this page; about 2 hours for the whole lab (00 to 07).
- **System requirements**: none beyond this environment. No AWS account is needed; the
  offline world simulates IAM, Step Functions and CloudWatch Logs.

---

%% md
## Imports

%% code
import os

import labkit
from labkit.envcheck import check_env

%% md
## Who the lab is for

The lab is for workshop learners and instructors, for people learning AWS on their own, and
for engineers who arrive with the real problem: *"my Step Functions logs do not show up"*.

After the lab you will be able to:

- say which principal writes Step Functions logs, and which policy authorises it;
- explain why the state machine's role still matters, but only when the state machine is
  created or updated;
- choose a log level and `includeExecutionData`, and find one execution's events;
- avoid the classic resource-policy size limit with the `/aws/vendedlogs/` prefix, and
  recognise the newer per-log-group policies;
- diagnose a real state machine whose logs are missing.

Everything the simulator does follows the AWS documentation or behaviour recorded against
AWS. Where the lab had to infer a behaviour, the lesson says so.

%% md
## Check your environment

The next cell checks the Python version and every package the lessons import
(`labkit.envcheck`), and says in plain words what is missing. Every line should end in `ok`.

%% code
for finding in check_env(out=None):
    print(f"{finding.name} {finding.required}:", "ok" if finding.ok else finding.message)

%% md
If a line does not end in `ok`, it says what to do: usually install the lab's pinned
packages (`python -m pip install -r requirements.txt`) and restart the kernel. The same check
runs from a shell: `python -m labkit.envcheck`. On Binder and on the
workshop hub everything is already installed.

%% md
## Open a world

Every lesson starts the same way: `labkit.connect()` opens a **world**, an account to talk
plain boto3 to. By default it is the offline world: a simulated account, seeded, with a
virtual clock, so that every run of a lesson prints the same thing and a 3-second Wait state
costs no time at all.

%% code
world = labkit.connect()
print(world.mode, world.region, world.account_id)

%% md
The world hands out genuine boto3 clients. The calls you write here are the calls you would
write against AWS:

%% code
sfn = world.client("stepfunctions")
sfn.list_state_machines()["stateMachines"]

%% md
### Offline or on a real account

The lessons run offline unless you ask otherwise. To run them against your own account, set
the environment variable `LABKIT_MODE=aws` before starting Jupyter; no other edit is needed.
The real mode is opt-in, creates only prefixed and tagged resources, records them in a
ledger, and restores any resource policy it touches byte for byte. Read
[06_real_aws](06_real_aws.ipynb) before you try it: a real run costs a little money
and needs permissions in your account. It is never offered on public Binder servers.

%% code
os.environ.get("LABKIT_MODE", "offline")

%% md
## The lessons

| Lesson | What you do |
| --- | --- |
| [00_start_here](00_start_here.ipynb) | check your environment and open a world (this page) |
| [01_the_article](01_the_article.ipynb) | repeat the article's experiment: delete the resource policy, grant AdministratorAccess, and watch the logs stop |
| [02_policy_lab](02_policy_lab.ipynb) | toggle resource-policy and role variants with widgets, predict, run, and read the verdict |
| [03_role_at_setup_time](03_role_at_setup_time.ipynb) | see CreateStateMachine fail with AccessDeniedException, and what SAM and CDK do about it |
| [04_levels_and_data](04_levels_and_data.ipynb) | compare ALL, ERROR, FATAL and OFF, read one log message, find one execution's events |
| [05_limits_and_prefix](05_limits_and_prefix.ipynb) | fill the classic 5,120-character policy, use `/aws/vendedlogs/`, meet the per-log-group policies, write your own |
| [06_real_aws](06_real_aws.ipynb) | run the same calls on a real account, safely, and diagnose a state machine with `doctor` |
| [07_check_your_understanding](07_check_your_understanding.ipynb) | answer questions with immediate feedback, and hunt bugs in broken policies |

Each lesson has the same shape: an overview, prerequisites, one imports cell, sections in
which you first **predict**, then **run**, then read the **explanation**, and a summary.

%% code
world.close()

%% md
## Summary

The lab shows, in a simulated account, that Step Functions logs are written by
`delivery.logs.amazonaws.com` under the CloudWatch Logs resource policy, not by the state
machine's role. You checked your environment, opened the offline world with
`labkit.connect()`, and saw that it hands out ordinary boto3 clients; `LABKIT_MODE=aws`
switches the same lessons to a real account.

### What's next?

Open [01_the_article](01_the_article.ipynb) and repeat the experiment that started it all.

## Resources and references

- AWS Step Functions Developer Guide, [Logging in CloudWatch Logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)
- Amazon CloudWatch Logs User Guide, [Enabling logging from AWS services](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)
- [boto3 documentation](https://boto3.amazonaws.com/v1/documentation/api/latest/index.html)
- [moto](https://docs.getmoto.org/), the AWS mock the offline world stores its state in
"""

# ============================================================================ 01 the article

NB_01 = r"""
%% md
# Delete the delivery policy and watch the logs stop

---

%% md
## Overview

A short experiment, first published as a blog article, answers the question *who writes a
Step Functions state machine's logs?* It has three phases, and this lesson repeats them in
the article's order, with the same names and the same calls:

1. **Phase 1 (1-1, 1-2)**: create the role, the log group and the state machine with logging
   at level `ALL`; the CloudWatch Logs resource policy appears by itself; run; logs arrive.
2. **Phase 2 (2-1, 2-2)**: delete the resource policy and give the role
   `AdministratorAccess`; run; the execution succeeds, **and no logs arrive**.
3. **Phase 3 (3-1, 3-2)**: put the resource policy back; run; logs arrive again.
4. **The conclusion**, proven by the outputs above it.

Each boto3 call sits beside the AWS CLI command the article ran. After each execution you
see the execution history, the delivered log events, and a timeline that puts the two side
by side.

%% md
## Prerequisites

| Concepts | Importance | Notes |
| --- | --- | --- |
| [00_start_here](00_start_here.ipynb) | Necessary | opening a world |
| [Step Functions executions and history](https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-executions.html) | Helpful | what `get_execution_history` returns |
| [Identity-based vs resource-based policies](https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_identity-vs-resource.html) | Helpful | the heart of the lesson |

- **Time to learn**: 25 minutes.
- **System requirements**: none (offline). The same cells run unchanged on a real account
  with `LABKIT_MODE=aws`: there the lab reads every name it creates as `labkit-<name>`, and
  phase 2's delete of a shared policy removes only the lab's own entry
  (see [06_real_aws](06_real_aws.ipynb) for the safeguards).

---

%% md
## Imports

%% code
import json

import pandas as pd

import labkit
from labkit import article
from labkit.timeline import timeline

%% md
## Open the world

`labkit.connect()` gives the offline world unless `LABKIT_MODE=aws` is set. Its clock is
virtual and its seed fixed, so the times below are the same on every run.

%% code
world = labkit.connect()
iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")

%% md
Three small helpers turn boto3's answers into what the article showed: the execution
history (event id, the event it follows, its type, seconds since the start), the log
messages one execution left in the log group (parsed), and the timeline of the two.

%% code
def history(arn):
    events = pd.DataFrame(article.history(sfn, arn))
    events["seconds"] = (events["timestamp"] - events["timestamp"].iloc[0]).dt.total_seconds()
    return events[["id", "previousEventId", "type", "seconds"]]

%% code
def messages(arn):
    rows = [e["record"] for e in article.log_events(logs, arn)]
    return pd.DataFrame(rows, columns=["id", "type", "previous_event_id", "redrive_count"])

%% code
def draw(arn, reason=None):
    return timeline(article.history(sfn, arn), article.log_events(logs, arn), reason=reason)

%% md
## Phase 1: create the machine and watch the logs arrive

**1-1.** The article creates an IAM role for the state machine, a log group named
`/aws/vendedlogs/states/LookingIntoLogging-Logs`, and the state machine `LookingIntoLogging`
from the console's *Hello World* template with logging at level `ALL`. The role gets the
log-delivery permissions the Step Functions guide documents
([Logging in CloudWatch Logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)):
the nine actions of the 2022 edition, which the article used (the current page adds
`logs:CreateLogStream`).

`aws iam create-role --role-name StepFunctions-LookingIntoLogging-role --path /service-role/ --assume-role-policy-document file://trust.json`

`aws iam put-role-policy --role-name StepFunctions-LookingIntoLogging-role --policy-name CloudWatchLogsDeliveryFullAccessPolicy --policy-document file://role-policy.json`

%% code
role_arn = article.create_role(iam)
print(role_arn)
print(json.dumps(article.ROLE_POLICY, indent=2))

%% md
`aws logs create-log-group --log-group-name /aws/vendedlogs/states/LookingIntoLogging-Logs`

%% code
log_group_arn = article.create_log_group(logs)
log_group_arn

%% md
Before the state machine exists, the account has no resource policy:

`aws logs describe-resource-policies`

%% code
logs.describe_resource_policies()["resourcePolicies"]

%% md
**Predict.** The next cell creates the state machine with
`loggingConfiguration={"level": "ALL", "includeExecutionData": true, ...}`. Nobody calls
`put-resource-policy`. Will `describe-resource-policies` still be empty afterwards?

`aws stepfunctions create-state-machine --name LookingIntoLogging --definition file://hello-world.json --role-arn ... --logging-configuration file://logging.json`

%% code
machine_arn = article.create_state_machine(sfn, role_arn, log_group_arn, level="ALL")
sfn.describe_state_machine(stateMachineArn=machine_arn)["loggingConfiguration"]

%% md
`aws logs describe-resource-policies`

%% code
policies = logs.describe_resource_policies()["resourcePolicies"]
print(json.dumps({"resourcePolicies": policies}, indent=4))

%% md
The CLI prints the same JSON. The policy document is itself a JSON string; parsed:

%% code
original_policy = article.resource_policy(logs)
print(json.dumps(json.loads(original_policy), indent=2))

%% md
**Explain.** A policy named `AWSLogDeliveryWrite20150319` appeared. Setting up the log
delivery created it: the CloudWatch Logs guide says that when the log group has no resource
policy and the user setting up the logging has `logs:PutResourcePolicy`,
`logs:DescribeResourcePolicies` and `logs:DescribeLogGroups`, "AWS automatically creates" a
policy that allows the principal `delivery.logs.amazonaws.com` to call
`logs:CreateLogStream` and `logs:PutLogEvents` on the log group's streams
([CWL-UG](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)).
Note the principal: it is the delivery service, not `states.amazonaws.com` and not the role.

This is the **classic** behaviour, the one the article met: one **account-level** policy
that lists each log group, at most 5,120 characters. The **current** behaviour differs: "For
newly created subscriptions, resource policies are configured at the log group level and
have a maximum size of 51,200 bytes. If an existing account-level resource policy already
grants permissions through wildcards, a separate log group level policy would not be
created" ([CWL-UG](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)).
Such a policy has `policyScope` `RESOURCE` and names its log group in `resourceArn`, one per
log group ([PutResourcePolicy](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html));
the change dates from about March 2026
([terraform-provider-aws #47111](https://github.com/hashicorp/terraform-provider-aws/pull/47111)).
The offline world here runs the classic profile; [05_limits_and_prefix](05_limits_and_prefix.ipynb)
shows the current one. That phase 2 ends the same way when the deleted policy is the log
group's own is *inferred* (AWS has published no such experiment); the lab reproduces it
under both profiles.

**1-2.** Run the machine once. **Predict.** The history will have 20 events. How many log
messages will this execution leave in the log group?

`aws stepfunctions start-execution --state-machine-arn arn:aws:states:...:stateMachine:LookingIntoLogging`

%% code
run1 = article.start_execution(sfn, machine_arn, name="phase-1")
world.settle()
sfn.describe_execution(executionArn=run1)["status"]

%% md
`world.settle()` runs the started executions to their end and lets the log delivery happen,
in virtual time (on a real account it polls until delivery is quiet). The history has the
20 events of the Hello World v2 template; the `Wait 3 sec` state is the 3-second gap between
events 8 and 9:

%% code
history(run1)

%% md
`aws logs filter-log-events --log-group-name /aws/vendedlogs/states/LookingIntoLogging-Logs`

The log group holds the messages of every execution, so the lesson keeps the ones whose
`execution_arn` is this run's, as the console's link to an execution's logs does:

%% code
messages(run1)

%% md
Every history event arrived as one log message, keeping its `id`. The timeline shows the
history (black ticks), the delivered log events (blue), and the delivery latency between them:

%% code
draw(run1)

%% md
## Phase 2: delete the policy, grant AdministratorAccess

**2-1.** The article now removes the resource policy and, to rule the role out, gives the
role every permission there is.

`aws logs delete-resource-policy --policy-name AWSLogDeliveryWrite20150319`

%% code
logs.delete_resource_policy(policyName="AWSLogDeliveryWrite20150319")
logs.describe_resource_policies()["resourcePolicies"]

%% md
`aws iam attach-role-policy --role-name StepFunctions-LookingIntoLogging-role --policy-arn arn:aws:iam::aws:policy/AdministratorAccess`

%% code
iam.attach_role_policy(RoleName=article.ROLE_NAME, PolicyArn=article.ADMIN_POLICY_ARN)
article.role_policies(iam)

%% md
**Predict.** The role may now do anything, including `logs:PutLogEvents` on every log group.
If the role wrote the logs, they would arrive. Will the execution succeed? How many log
messages will it leave in the log group?

**2-2.** Run it.

`aws stepfunctions start-execution --state-machine-arn arn:aws:states:...:stateMachine:LookingIntoLogging`

%% code
run2 = article.start_execution(sfn, machine_arn, name="phase-2")
world.settle()
sfn.describe_execution(executionArn=run2)["status"]

%% code
history(run2).tail(3)

%% code
messages(run2)

%% md
**Explain.** The execution succeeded with the same 20 history events, and not one log
message arrived. The Step Functions guide says "Publishing logs doesn't block or slow down
executions" ([cw-logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)),
so nothing in the execution tells you that its logs are gone. AdministratorAccess did not
help because the role is not the writer: `delivery.logs.amazonaws.com` is, and with the
resource policy gone no statement allows it. (That a removed statement makes the events
silently disappear is *inferred*: AWS documents only that delivery is "best-effort"; the
article observed it, and the lab reproduces it.)

The offline world can say *why* each event was not delivered, with the IAM evaluation that
decided it:

%% code
dropped = world.deliveries().query("execution_arn == @run2")
dropped[["event_id", "event_type", "status", "decision"]].head(3)

%% code
print(dropped["reason"].iloc[0])

%% code
draw(run2, reason=dropped["reason"].iloc[0])

%% md
## Phase 3: put the policy back

**3-1.** The article puts the saved policy document back under the same name.

`aws logs put-resource-policy --policy-name AWSLogDeliveryWrite20150319 --policy-document file://policy.json`

%% code
logs.put_resource_policy(policyName="AWSLogDeliveryWrite20150319", policyDocument=original_policy)
[p["policyName"] for p in logs.describe_resource_policies()["resourcePolicies"]]

%% md
**Predict.** The role still has AdministratorAccess. Does that matter now? Will the next
execution's events arrive?

**3-2.** Run it.

`aws stepfunctions start-execution --state-machine-arn arn:aws:states:...:stateMachine:LookingIntoLogging`

%% code
run3 = article.start_execution(sfn, machine_arn, name="phase-3")
world.settle()
sfn.describe_execution(executionArn=run3)["status"]

%% code
history(run3).tail(3)

%% code
messages(run3).head()

%% code
draw(run3)

%% md
**Explain.** With the statement back, `delivery.logs.amazonaws.com` may create the stream
and put the events again, and they arrive. Nothing about the state machine or its role
changed between phase 2 and phase 3: only the resource policy did.

## The conclusion, proven

The article's conclusion: **Step Functions logs are written to CloudWatch Logs by the
log-delivery service under the CloudWatch Logs resource policy, not by the state machine's
IAM role.** The role's log permissions are used only to set up the delivery when the state
machine is created or updated; [03_role_at_setup_time](03_role_at_setup_time.ipynb) shows
that part.

The three phases, side by side:

%% code
runs = {"1: policy": run1, "2: no policy, admin role": run2, "3: policy again": run3}
pd.DataFrame({phase: {"status": sfn.describe_execution(executionArn=arn)["status"],
                      "history events": len(history(arn)), "log messages": len(messages(arn))}
              for phase, arn in runs.items()}).T

%% md
And for every history event of the three runs, the offline world's record of what the
delivery service was allowed to do, and why:

%% code
deliveries = world.deliveries()
for phase, arn in runs.items():
    rows = deliveries[deliveries["execution_arn"] == arn]
    print(f"{phase}: {rows['status'].value_counts().to_dict()}, {rows['decision'].iloc[0]}")
    print(f"    {rows['reason'].iloc[0]}")

%% md
**Explain.** Read the conclusion off these two outputs. The machine, its definition and its
20 history events are the same in all three rows. Rows 2 and 3 have the same role, with
AdministratorAccess, yet 0 and 20 log messages: the role's permissions did not decide
delivery. Rows 1 and 3 have the resource policy, row 2 does not, and only row 2 lost its
logs. Every decision is about the principal `delivery.logs.amazonaws.com`, never the role.

%% code
world.close()

%% md
## Summary

You repeated the article's three phases. With the auto-created resource policy the logs
arrived; with the policy deleted the execution still succeeded but no log message arrived,
even though the role had AdministratorAccess; with the policy back the logs returned. The
writer is `delivery.logs.amazonaws.com`, and only the resource policy authorises it.

### What's next?

[02_policy_lab](02_policy_lab.ipynb) lets you toggle resource-policy and role variants and
predict each outcome; [03_role_at_setup_time](03_role_at_setup_time.ipynb) shows where the
role does matter.

## Resources and references

- AWS Step Functions Developer Guide, [Logging in CloudWatch Logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)
  ("Publishing logs doesn't block or slow down executions"; the role's log-delivery permissions)
- Amazon CloudWatch Logs User Guide, [Enabling logging from AWS services](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)
  (the auto-created `AWSLogDeliveryWrite20150319` policy; the log-group-level policies)
- CloudWatch Logs API Reference: [DescribeResourcePolicies](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeResourcePolicies.html),
  [DeleteResourcePolicy](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteResourcePolicy.html),
  [PutResourcePolicy](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html),
  [FilterLogEvents](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html)
- AWS CLI: [`aws logs`](https://docs.aws.amazon.com/cli/latest/reference/logs/) and
  [`aws stepfunctions`](https://docs.aws.amazon.com/cli/latest/reference/stepfunctions/)
"""

# ============================================================================ 02 policy lab

NB_02 = r"""
%% md
# Toggle the policies and watch which logs arrive

**What you'll do:** switch the CloudWatch Logs resource policy and the state machine's role between a dozen variants, predict each outcome, run one execution, and see which log events arrive.

**What you'll learn:**

* that `delivery.logs.amazonaws.com` writes Step Functions logs, allowed only by the log group's resource policy;
* which defects in that policy stop delivery (principal, action, resource, conditions, an explicit Deny);
* that the role's permissions are checked when the state machine is created or updated, not while it runs;
* how to read the timeline of history events against delivered log events.

---

%% md
## Overview

1. Build the lab
2. Run with the policy AWS created
3. Delete the policy and give the role everything
4. Break the policy one way at a time
5. Update the state machine: where the role matters
6. Use the panel yourself

%% md
## Prerequisites

| Concepts | Importance | Notes |
| --- | --- | --- |
| The article's three phases (`01_the_article`) | Necessary | The experiment this lab generalises |
| IAM policy documents (Effect, Principal, Action, Resource, Condition) | Helpful | [IAM JSON policy reference](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html) |

* **Time to learn:** 30 minutes
* **System requirements:** none. The lab runs offline in a simulated account; set `LABKIT_MODE=aws` to use a real one.

---

%% md
## Imports

%% code
import labkit
from labkit.lab import PolicyLab

%% md
## Build the lab

`PolicyLab` creates the article's state machine (Hello World, logging level `ALL` to `/aws/vendedlogs/states/LookingIntoLogging-Logs`) in the world you connect to. Every change it makes is a plain boto3 call: `put_resource_policy`, `delete_resource_policy`, `attach_role_policy`, `put_role_policy`, `update_state_machine`.

%% code
world = labkit.connect()
lab = PolicyLab(world)

%% md
This is the panel. The cells below drive it from code, and you can click it yourself at the end. Its verdict, timeline and explanation update after every run.

%% code
lab

%% md
## Run with the policy AWS created

**Predict first.** The resource policy is the statement AWS created when logging was set up, and the role has the documented log-delivery permissions. How many of the execution's events arrive in the log group?

%% code
result = lab.run()
print(result)

%% md
Every event the level `ALL` logs arrives. The timeline shows each history event (middle lane), its log event in CloudWatch Logs (bottom lane) and the delivery latency between them (grey arrows). AWS documents no delivery time, only "best-effort" delivery ([cw-logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)); the simulated latency is a setting of the lab, not a measurement. The numbers behind the picture are a table:

%% code
result.timeline

%% code
result.timeline.table.head(4)

%% md
## Delete the policy and give the role everything

**Predict first.** This is the article's phase 2: the resource policy is deleted and the role gets `AdministratorAccess`. Does the execution succeed? Do any logs arrive?

%% code
result = lab.set(resource_policy="none", role="AdministratorAccess").run()
print(result)

%% md
The execution succeeds ("Publishing logs doesn't block or slow down executions", [cw-logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)), yet nothing arrives. Each event was logged at level `ALL` but dropped, because the writer is `delivery.logs.amazonaws.com`, and no resource policy statement allows it to write to the log stream. The role is not consulted at delivery. (That the events are dropped silently is *inferred*: AWS documents only best-effort delivery; the article observed it.) The explanation names the deciding request:

%% code
print(result.decision)

%% md
## Break the policy one way at a time

**Predict first.** Each variant below changes one thing in the auto-created statement. Which ones still deliver?

| Variant | What changes |
| --- | --- |
| wrong principal | `states.amazonaws.com` instead of `delivery.logs.amazonaws.com` |
| another log group | the Resource names a different group |
| only PutLogEvents | `logs:CreateLogStream` is missing |
| explicit Deny | a Deny statement for `logs:PutLogEvents` is added |
| confused-deputy conditions | `aws:SourceAccount` right or wrong; `aws:SourceArn` naming the state machine |
| `/aws/vendedlogs/*` | one wildcard statement for every vended log group |

%% code
from labkit.variants import RESOURCE_POLICY_VARIANTS

for v in RESOURCE_POLICY_VARIANTS[2:-1]:
    r = lab.set(resource_policy=v.key, role="log-delivery").run()
    print(f"{v.label:44} {r.delivered:>2} of {r.logged} delivered")

%% md
Delivery needs all of: the right principal, the actions it calls, a Resource covering this group's log streams, conditions that match, and no Deny. A `*` in a resource ARN also matches `:` and `/`, so `…:log-group:/aws/vendedlogs/*` covers this group's streams ([IAM ARN wildcards](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html)). That wildcard is the **classic** account-level form, which CloudWatch Logs adds near the 5,120-character limit; since about March 2026 new set-ups get a log-group-level policy instead ([05_limits_and_prefix](05_limits_and_prefix.ipynb)). This lab runs the classic profile. The `aws:SourceArn` of a vended-log delivery is a CloudWatch Logs ARN, not the state machine's, so that condition never matches (an inference: AWS documents the logs ARN form only). *Only PutLogEvents* delivers here because the earlier runs already created the log stream, which executions share; a new stream (a new log group or machine) would also need `logs:CreateLogStream`.

## Update the state machine: where the role matters

**Predict first.** The role loses all its policies. What happens to the next execution of the existing machine, and what happens to an `UpdateStateMachine` call?

%% code
print(lab.set(resource_policy="auto-created", role="none", apply="now").run())

%% code
result = lab.set(apply="update").run()
print(result.error)

%% md
The running machine keeps delivering, but the update re-runs the log-delivery set-up, which needs the role's `logs:CreateLogDelivery` and related permissions, and fails. The lab put the previous policies back. With the documented role, the update even re-creates a deleted resource policy, because set-up may call `logs:PutResourcePolicy` (AWS documents that set-up creates the policy when none exists; that an update of an existing machine does so again is *inferred*):

%% code
result = lab.set(resource_policy="none", role="log-delivery", apply="update").run()
print(result)

%% md
## Use the panel yourself

Scroll back to the panel, choose a variant, make a prediction, and press **Run**. The custom JSON editors accept any policy; a document AWS rejects shows AWS's error in the panel and leaves everything as it was. The next cell does the same from code:

%% code
lab.set(resource_policy="custom", resource_policy_json="{not json", apply="now")
lab.button.click()
print(lab.results[-1].verdict)

%% code
lab.set(resource_policy="auto-created", predict="all")
lab.button.click()
print(lab.results[-1].verdict, lab.results[-1].prediction_correct)

%% md
---
## Summary

Only the CloudWatch Logs resource policy decides whether Step Functions logs arrive: it must let `delivery.logs.amazonaws.com` call `logs:CreateLogStream` and `logs:PutLogEvents` on the group's log streams, with matching conditions and no Deny. The role can hold `AdministratorAccess` and still not make a single log event arrive; its log-delivery permissions matter only when the state machine is created or updated with logging.

### What's next?

`03_role_at_setup_time` looks closer at the set-up check and its misleading error message; `07_check_your_understanding` tests what you learned here.

## Resources and references

* AWS, [Logging Step Functions using CloudWatch Logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html): the role's log-delivery permissions; "Publishing logs doesn't block or slow down executions"; best-effort delivery.
* AWS, [Enabling logging from AWS services](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html): the `AWSLogDeliveryWrite20150319` statement, its confused-deputy conditions, the `/aws/vendedlogs/*` wildcard.
* AWS, [Log levels for Step Functions](https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html).
* AWS, [UpdateStateMachine](https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html) and [PutResourcePolicy](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html) API references.
"""

# ============================================================================ 03 role at setup time

NB_03 = r"""
%% md
# See where the role matters: when the state machine is created

---

%% md
## Overview

[01_the_article](01_the_article.ipynb) showed that the state machine's role does not write
its logs. Yet the Step Functions guide asks you to give that role a list of `logs:`
permissions, and people who forget them get an error. This lesson shows when, and why:

1. **Create a state machine whose role lacks the log-delivery permissions**: CreateStateMachine
   fails with `AccessDeniedException`.
2. **Give the role the documented permissions**: the same call succeeds, and the resource
   policy is written.
3. **The same message, a different cause**: the error text names the role even when the
   resource policy is the problem.
4. **What SAM and CDK do about it.**

%% md
## Prerequisites

| Concepts | Importance | Notes |
| --- | --- | --- |
| [01_the_article](01_the_article.ipynb) | Necessary | who writes the logs |
| [IAM roles for Step Functions](https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html) | Helpful | the execution role and its trust policy |
| [botocore `ClientError`](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/error-handling.html) | Helpful | reading `error.response["Error"]` |

- **Time to learn**: 20 minutes.
- **System requirements**: none (offline). With `LABKIT_MODE=aws` the names used here are
  read as `labkit-<name>` in your account; [06_real_aws](06_real_aws.ipynb) explains the
  safeguards.

---

%% md
## Imports

%% code
import json

import labkit
from labkit import article
from labkit.iam import Policy, Request, evaluate

%% md
## Create a machine with a bare role

Open a world and create a role that Step Functions may assume, with **no permission policy
at all**, and the article's log group.

%% code
world = labkit.connect()
iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")

%% code
trust = json.dumps(article.TRUST_POLICY)
role_arn = iam.create_role(RoleName="bare-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
group_arn = article.create_log_group(logs)

%% code
LOGGING = article.logging_configuration(group_arn, level="ALL")
LOGGING

%% md
**Predict.** In phase 2 of the article, a role with AdministratorAccess did not make any log
arrive, so the role's permissions looked irrelevant. What happens if you create a state
machine with logging `ALL` and a role that has no permissions at all?

%% code [raises-exception]
sfn.create_state_machine(name="BareRole", definition=article.definition(), roleArn=role_arn,
                         loggingConfiguration=LOGGING)

%% md
**Explain.** `CreateStateMachine` refused with `AccessDeniedException` and the message
*"The state machine IAM Role is not authorized to access the Log Destination"* (HTTP 400).
When logging is enabled, Step Functions sets up the log delivery **as the role** at create
(and update) time. The Step Functions guide lists what the role needs for that
([Logging in CloudWatch Logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)):
`logs:CreateLogDelivery`, `GetLogDelivery`, `UpdateLogDelivery`, `DeleteLogDelivery`,
`ListLogDeliveries`, `PutResourcePolicy`, `DescribeResourcePolicies`, `DescribeLogGroups`
(and `PutLogEvents`, `CreateLogStream`), all on `"Resource": "*"`. The five `*LogDelivery*`
actions are permission-only: there is no API operation of that name
([Service Authorization Reference](https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html)).
That Step Functions acts as the role here is *inferred* from the error text; the check at
create and update time is reported, for example by
[qiita.com/tmiki](https://qiita.com/tmiki/items/1ad26ca38f8b68e00df1).

Nothing was created:

%% code
[m["name"] for m in sfn.list_state_machines()["stateMachines"]]

%% md
The role does not matter while logging is off. The same role, the same definition, level
`OFF`:

%% code
bare = sfn.create_state_machine(name="BareRole", definition=article.definition(), roleArn=role_arn,
                                loggingConfiguration={"level": "OFF"})["stateMachineArn"]
sfn.describe_state_machine(stateMachineArn=bare)["loggingConfiguration"]

%% md
**Predict.** Turning logging on later goes through `UpdateStateMachine`. Will that check the
role too?

%% code [raises-exception]
sfn.update_state_machine(stateMachineArn=bare, loggingConfiguration=LOGGING)

%% md
**Explain.** Yes: any call that sets up log delivery checks the role, and the machine keeps
its previous configuration:

%% code
sfn.describe_state_machine(stateMachineArn=bare)["loggingConfiguration"]

%% md
## Give the role the documented permissions

Attach the log-delivery statement from the Step Functions guide (the 2022 edition's nine
actions; the current page adds `logs:CreateLogStream`) as an inline policy:

%% code
print(json.dumps(article.ROLE_POLICY, indent=2))

%% code
iam.put_role_policy(RoleName="bare-role", PolicyName="log-delivery",
                    PolicyDocument=json.dumps(article.ROLE_POLICY))
sfn.update_state_machine(stateMachineArn=bare, loggingConfiguration=LOGGING)
sfn.describe_state_machine(stateMachineArn=bare)["loggingConfiguration"]["level"]

%% md
The update succeeded, and setting up the delivery wrote the resource policy that
authorises `delivery.logs.amazonaws.com`:

%% code
[p["policyName"] for p in logs.describe_resource_policies()["resourcePolicies"]]

%% md
The lab's IAM evaluator makes the difference explicit. The request Step Functions makes as
the role is `logs:CreateLogDelivery` on `*`; with no policy it is implicitly denied, with the
documented policy it is allowed:

%% code
request = Request(principal=role_arn, action="logs:CreateLogDelivery", resource="*")
print(evaluate(request, identity=()))

%% code
documented = Policy.load(article.ROLE_POLICY, kind="identity", name="log-delivery")
print(evaluate(request, identity=[documented]))

%% md
So the role's `logs:` permissions are a **set-up-time** requirement. They are never used to
write an execution's events: that is `delivery.logs.amazonaws.com`, under the resource
policy, at run time.

## Read the same message, a different cause

The message names the role, but it is not always the role's fault. A Japanese write-up
([qiita.com/tmiki](https://qiita.com/tmiki/items/1ad26ca38f8b68e00df1)) reports the same
`AccessDeniedException` when the **resource policy** could not be written, and a 2020 issue
([serverless-step-functions #334](https://github.com/serverless-operations/serverless-step-functions/issues/334))
traced it to a **full** account-level resource policy. Today a full classic policy usually
gives a clearer `InvalidLoggingConfiguration` size error
([05_limits_and_prefix](05_limits_and_prefix.ipynb) reproduces it).

**Predict.** Here is a role that may create log deliveries (`logs:CreateLogDelivery`) but
may **not** write the resource policy (`logs:PutResourcePolicy`, `DescribeResourcePolicies`,
`DescribeLogGroups` are missing). Will CreateStateMachine accept it for the article's log
group, which the resource policy already covers? And for a new log group it does not cover?

%% code
half = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:CreateLogDelivery", "Resource": "*"}]}
half_arn = iam.create_role(RoleName="half-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
iam.put_role_policy(RoleName="half-role", PolicyName="delivery-only", PolicyDocument=json.dumps(half))
half_arn

%% code
covered = sfn.create_state_machine(name="HalfRoleCovered", definition=article.definition(),
                                   roleArn=half_arn, loggingConfiguration=LOGGING)["stateMachineArn"]
covered.rsplit(":", 1)[1]

%% code
logs.create_log_group(logGroupName="team-b-logs")
team_b = article.logging_configuration(group_arn.replace(article.LOG_GROUP_NAME, "team-b-logs"))

%% code [raises-exception]
sfn.create_state_machine(name="HalfRoleNewGroup", definition=article.definition(),
                         roleArn=half_arn, loggingConfiguration=team_b)

%% md
**Explain.** The same role succeeded for the covered group and failed, with the same words,
for the new one. The CloudWatch Logs guide explains the difference: setting up a delivery to
a group that has no suitable resource policy needs `logs:PutResourcePolicy`,
`logs:DescribeResourcePolicies` and `logs:DescribeLogGroups`, but once the group is covered,
"you only need the `logs:CreateLogDelivery` permission"
([CWL-UG](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)).
So when you see this message, check both the role's log-delivery permissions **and**
whether the resource policy covers, or may be extended to cover, the log group. *(That AWS
reports this case with exactly this message is inferred from the reports above.)*

A last variant, in the **classic** behaviour this world runs: the account already has the
maximum of 10 account-level resource policies ("Up to 10 CloudWatch Logs resource policies
per Region per account",
[CWL-UG](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)),
and none of them is the delivery policy, so there is no room to create one. (In the
**current** behaviour, since about March 2026, a new log group gets its own log-group-level
policy instead, and the API allows "a maximum of 10 policies without resourceARN and one per
LogGroup resourceARN"
([PutResourcePolicy](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html));
[05_limits_and_prefix](05_limits_and_prefix.ipynb) shows it.) Delete the
delivery policy and let other services fill the ten places:

%% code
other = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "es.amazonaws.com"},
         "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:*:*:log-group:other-*"}]}
logs.delete_resource_policy(policyName="AWSLogDeliveryWrite20150319")
for n in range(10):
    logs.put_resource_policy(policyName=f"other-service-{n}", policyDocument=json.dumps(other))

%% md
**Predict.** `bare-role` now has every documented permission. Can it create a machine
logging to `team-b-logs`?

%% code [raises-exception]
sfn.create_state_machine(name="FullAccount", definition=article.definition(),
                         roleArn=role_arn, loggingConfiguration=team_b)

%% md
**Explain.** The role is fine; the resource policies are full. The lab answers with the same
message, as the 2020 report of a full policy did; that AWS answers this exact case this way
is *inferred*, not recorded. (When the one classic policy reaches its 5,120-character limit,
today's AWS answers differently, with `InvalidLoggingConfiguration`; see
[05_limits_and_prefix](05_limits_and_prefix.ipynb).)

## Compare what SAM and CDK do

Infrastructure tools differ in whether they add the set-up-time permissions for you.

- **AWS CDK** adds them. When a `StateMachine` has `logs` configured, CDK's
  [`state-machine.ts`](https://github.com/aws/aws-cdk/blob/main/packages/aws-cdk-lib/aws-stepfunctions/lib/state-machine.ts)
  adds to the state machine's role a statement with eight actions on `*`:
  `logs:CreateLogDelivery`, `logs:GetLogDelivery`, `logs:UpdateLogDelivery`,
  `logs:DeleteLogDelivery`, `logs:ListLogDeliveries`, `logs:PutResourcePolicy`,
  `logs:DescribeResourcePolicies` and `logs:DescribeLogGroups`. It does **not** add
  `logs:PutLogEvents`, and CDK machines log fine: more evidence that the role is not the
  writer. (CDK's default level, `ERROR`, is a CDK choice; the API default is `OFF`.)
- **AWS SAM**'s `AWS::Serverless::StateMachine` takes a
  [`Logging`](https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-statemachine.html)
  property and passes it to the state machine's `LoggingConfiguration`. In the SAM translator
  source we read (`samtranslator/model/stepfunctions/generators.py`), the role SAM generates
  gets only what you list under `Policies` (plus the X-Ray policy when `Tracing` is on); no
  log-delivery statement is added. So with SAM you add the statement yourself, as an inline
  policy document under `Policies`. None of SAM's
  [policy templates](https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-policy-templates.html)
  is dedicated to log delivery, as far as we know; check the current list before relying on
  it *(unverified for the latest SAM release)*.
- **CloudFormation** alone does nothing for you; a missing permission surfaces as the same
  message with `(Service: AWSStepFunctions; Status Code: 400; Error Code: AccessDeniedException; ...)`
  appended and `HandlerErrorCode: AccessDenied`.

%% code
world.close()

%% md
## Summary

The state machine's role matters at exactly one moment: when CreateStateMachine or
UpdateStateMachine sets up the log delivery. Without the documented `logs:*LogDelivery*`,
`PutResourcePolicy`, `DescribeResourcePolicies` and `DescribeLogGroups` permissions the call
fails with `AccessDeniedException: The state machine IAM Role is not authorized to access
the Log Destination`; the same words can also point at a resource policy that could not be
extended. CDK adds the eight set-up actions for you; SAM and plain CloudFormation do not.

### What's next?

[04_levels_and_data](04_levels_and_data.ipynb) looks at what is logged: levels,
`includeExecutionData`, and the shape of one log message.

## Resources and references

- AWS Step Functions Developer Guide, [Logging in CloudWatch Logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html) (the role's permissions)
- Amazon CloudWatch Logs User Guide, [Enabling logging from AWS services](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)
- [Actions defined by Amazon CloudWatch Logs](https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html) (permission-only `*LogDelivery*` actions)
- Step Functions API Reference, [CreateStateMachine](https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html) and [UpdateStateMachine](https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html)
- AWS CDK, [`aws-stepfunctions/lib/state-machine.ts`](https://github.com/aws/aws-cdk/blob/main/packages/aws-cdk-lib/aws-stepfunctions/lib/state-machine.ts)
- AWS SAM, [`AWS::Serverless::StateMachine`](https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-statemachine.html)
- Reports of the error: [aws-cdk #26432](https://github.com/aws/aws-cdk/issues/26432), [copilot-cli #4338](https://github.com/aws/copilot-cli/issues/4338), [serverless-step-functions #334](https://github.com/serverless-operations/serverless-step-functions/issues/334)
"""

# ============================================================================ 04 levels and data

NB_04 = r"""
%% md
# Choose what gets logged: levels, execution data and one execution's events

---

%% md
## Overview

A state machine's `loggingConfiguration` decides which history events become log messages
and how much of each message is kept. This lesson uses a machine with a failing path: the
console's first *Hello World* template (v1), whose Choice state sends
`{"IsHelloWorldExample": false}` to a `Fail` state.

1. **Compare `ALL`, `ERROR`, `FATAL` and `OFF`** on a failed and a successful execution, and
   tie the result to AWS's level table.
2. **Drop the data** with `includeExecutionData: false`.
3. **Read one log message**: every value is a string; input and output are escaped JSON.
4. **Find one execution's events** with `filter_log_events`.

%% md
## Prerequisites

| Concepts | Importance | Notes |
| --- | --- | --- |
| [01_the_article](01_the_article.ipynb) | Necessary | machines, runs and log events |
| [Log levels](https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html) | Helpful | AWS's table of event types per level |
| [Filter pattern syntax](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html) | Helpful | term and JSON filter patterns |

- **Time to learn**: 20 minutes.
- **System requirements**: none (offline). With `LABKIT_MODE=aws` the names used here are
  read as `labkit-<name>` in your account; [06_real_aws](06_real_aws.ipynb) explains the
  safeguards.

---

%% md
## Imports

%% code
import json

import pandas as pd

import labkit
from labkit import article
from labkit.engine.templates import HELLO_WORLD_V1

%% md
## Build a machine that can fail

The offline world, the article's role and log group:

%% code
world = labkit.connect()
iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
role_arn, group_arn = article.create_role(iam), article.create_log_group(logs)

%% md
The v1 template's states, and the Choice rules that pick the path:

%% code
states = json.loads(HELLO_WORLD_V1)["States"]
print({name: state["Type"] for name, state in states.items()})
print(json.dumps(states["Hello World example?"]["Choices"], indent=1))

%% code
FAILING, PASSING = {"IsHelloWorldExample": False}, {"IsHelloWorldExample": True}

%% md
One state machine per logging configuration, all writing to the same log group. Executions
share log groups and even streams, so every lookup below keeps only the messages whose
`execution_arn` is the run's:

%% code
def machine(level, data=True):
    config = article.logging_configuration(group_arn, level=level, include_execution_data=data)
    return sfn.create_state_machine(name=f"Levels-{level}-{'data' if data else 'nodata'}",
                                    definition=HELLO_WORLD_V1, roleArn=role_arn,
                                    loggingConfiguration=config)["stateMachineArn"]

%% code
def run(machine_arn, name, payload):
    arn = sfn.start_execution(stateMachineArn=machine_arn, name=name, input=json.dumps(payload))
    world.settle()
    return arn["executionArn"]

%% code
def delivered(arn):
    return [event["record"] for event in article.log_events(logs, arn)]

%% md
## Compare ALL, ERROR, FATAL and OFF

**Predict.** The failing run's history has an `ExecutionStarted`, some state events, a
`FailStateEntered` and an `ExecutionFailed`. Which of them does each level log? And what does
a *successful* run log at `ERROR`?

%% code
LEVELS = ["ALL", "ERROR", "FATAL", "OFF"]
machines = {level: machine(level) for level in LEVELS}
failed = {level: run(arn, f"fail-{level}", FAILING) for level, arn in machines.items()}
passed = {level: run(arn, f"pass-{level}", PASSING) for level, arn in machines.items()}

%% code
types = [event["type"] for event in article.history(sfn, failed["ALL"])]
logged = {level: {m["type"] for m in delivered(arn)} for level, arn in failed.items()}
pd.DataFrame({level: ["✓" if t in got else "" for t in types] for level, got in logged.items()}, index=types)

%% md
**Explain.** This is AWS's level table
([Log levels](https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html)):

| Level | Logs |
| --- | --- |
| `ALL` | every history event type |
| `ERROR` | `ExecutionFailed`, `ExecutionAborted`, `ExecutionTimedOut`, plus failure events such as `FailStateEntered`, `TaskFailed`, `LambdaFunctionFailed`, `MapStateFailed` |
| `FATAL` | only `ExecutionFailed`, `ExecutionAborted`, `ExecutionTimedOut` |
| `OFF` | nothing |

Logged events keep their history `id`; nothing is renumbered after filtering (recorded
against AWS by LocalStack's AWS-validated tests):

%% code
[(m["id"], m["type"]) for m in delivered(failed["ERROR"])]

%% md
And a successful run:

%% code
pd.Series({level: len(delivered(arn)) for level, arn in passed.items()}, name="log messages")

%% md
At `ERROR` and `FATAL` a successful run logs **nothing**. An empty log group under those
levels means "no failures", not "logging is broken"; under `ALL` it would be a warning sign.

## Drop the data

**Predict.** `includeExecutionData: false` keeps the same events. Which keys of `details`
disappear?

%% code
lean = run(machine("ALL", data=False), "lean", FAILING)
def keys(arn):
    return {m["type"]: ", ".join(sorted(m["details"])) for m in delivered(arn)}
pd.DataFrame({"includeExecutionData: true": keys(failed["ALL"]), "false": keys(lean)})

%% md
**Explain.** The API reference says only "When set to `false`, data is excluded"
([LoggingConfiguration](https://docs.aws.amazon.com/step-functions/latest/apireference/API_LoggingConfiguration.html)).
Recordings against AWS show what that means: payloads (`input`, `output`) and their
`inputDetails`/`outputDetails` go; metadata (`roleArn`, the state `name`, `error`, `cause`)
stays, and `ExecutionSucceeded` keeps an empty `details` object. For Task states the lab
*infers* that `parameters` goes too (not recorded). Turn execution data off when inputs may
hold secrets or personal data; you keep the shape of the run and lose its values.

## Read one log message

Here is the `ExecutionStarted` message of the failing run at level `ALL`, as CloudWatch Logs
stores it (the `message` of a log event is one line of JSON).

**Predict.** In `get_execution_history`, `id` is an integer and the timestamp a datetime.
What types do `id`, `event_timestamp` and `details.input` have in the log message?

%% code
started = next(m for m in delivered(failed["ALL"]) if m["type"] == "ExecutionStarted")
print(json.dumps(started, indent=2))

%% md
Look closely:

- Every top-level value is a **string**: `"id": "1"`, `"previous_event_id": "0"`,
  `"event_timestamp"` in epoch milliseconds as a string, `"redrive_count": "0"`.
- `details.input` is an **escaped JSON string**, not an object: you must `json.loads` it a
  second time. The Step Functions guide speaks of "escaped input or escaped output"
  ([cw-logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)).
- `inputDetails.truncated` is a boolean: escaped payloads over 248 KB are cut.
- `execution_arn` names the execution, because executions share streams.

%% code
{key: type(value).__name__ for key, value in started.items()}

%% code
json.loads(started["details"]["input"])

%% md
## Find one execution's events

Executions of one state machine write to shared streams (recorded against AWS), named
`states/<machine>/<YYYY-MM-DD-HH-MM>/<hex>` (a pattern *inferred* from one public sample),
so "the stream of my execution" does not exist.
Filter by the execution ARN instead. A **term** pattern in double quotes matches messages
that contain the exact phrase.

**Predict.** The failing run at level `ALL` logged 7 events. In how many streams will the
filter find them, and will the other machines' events be mixed in?

`aws logs filter-log-events --log-group-name /aws/vendedlogs/states/LookingIntoLogging-Logs --filter-pattern '"arn:aws:states:...:execution:Levels-ALL-data:fail-ALL"'`

%% code
found = logs.filter_log_events(logGroupName=article.LOG_GROUP_NAME, filterPattern=f'"{failed["ALL"]}"')
len(found["events"]), sorted({e["logStreamName"] for e in found["events"]})

%% md
**Explain.** All 7 events, from one stream of the machine `Levels-ALL-data`, and no event of
another execution: the ARN filter isolates the run, whatever else the stream holds. A term
pattern works on
the event type too. Every `ExecutionFailed` in the group, across all machines and levels:

%% code
found = logs.filter_log_events(logGroupName=article.LOG_GROUP_NAME, filterPattern='"ExecutionFailed"')
[json.loads(e["message"])["execution_arn"].rsplit(":", 2)[1:] for e in found["events"]]

%% md
On AWS you can also use a **JSON filter pattern**, which tests a field instead of searching
text: `{ $.type = "ExecutionFailed" && $.execution_arn = "arn:aws:states:..." }`
([Filter pattern syntax](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html)).
The offline world stores logs in moto, and moto 5.2 supports only single terms, multiple
terms and exact phrases; for any other pattern it **returns every event**. So offline, stick
to quoted terms (as above) or filter the parsed messages in Python. This is a limit of the
simulator, not of AWS.

%% code
world.close()

%% md
## Summary

`ALL` logs every history event; `ERROR` logs the failures; `FATAL` only the end of a failed,
aborted or timed-out execution; `OFF` nothing, so a successful run leaves no message at
`ERROR` or `FATAL`. Logged events keep their history ids. `includeExecutionData: false`
removes payloads and keeps metadata. One log message is one JSON object whose top-level
values are strings and whose input and output are escaped JSON. Executions share streams:
find one execution's events by filtering on its ARN.

### What's next?

[05_limits_and_prefix](05_limits_and_prefix.ipynb): what happens to the resource policy when
many log groups need it, and why `/aws/vendedlogs/` exists.

## Resources and references

- AWS Step Functions Developer Guide, [Log levels](https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html) and [Logging in CloudWatch Logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)
- Step Functions API Reference, [LoggingConfiguration](https://docs.aws.amazon.com/step-functions/latest/apireference/API_LoggingConfiguration.html)
- Amazon CloudWatch Logs, [Filter pattern syntax](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html) and [FilterLogEvents](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html)
- LocalStack's AWS-validated Step Functions logging tests, [`tests/aws/services/stepfunctions/v2/logs/test_logs.py`](https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/logs/test_logs.py) (recorded message shapes)
"""

# ============================================================================ 05 limits and prefix

NB_05 = r"""
%% md
# Outgrow the resource policy: the 5,120-character limit, `/aws/vendedlogs/` and your own policy

---

%% md
## Overview

Every log group that receives vended logs must be allowed, in a resource policy, to receive
them. How that policy grows has changed over time, and the change explains a naming
convention you have probably seen:

1. **Fill the classic policy**: one account-level policy listing every log group, limited to
   5,120 characters, until CreateStateMachine fails.
2. **Use the `/aws/vendedlogs/` prefix**, which needs no new entry.
3. **Meet the current per-log-group policies** (since about March 2026).
4. **Write your own least-privilege policy** with confused-deputy conditions, and check it
   with `labkit.iam`.

%% md
## Prerequisites

| Concepts | Importance | Notes |
| --- | --- | --- |
| [01_the_article](01_the_article.ipynb) | Necessary | the auto-created `AWSLogDeliveryWrite20150319` policy |
| [03_role_at_setup_time](03_role_at_setup_time.ipynb) | Helpful | what is checked at CreateStateMachine |
| [The confused deputy problem](https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html) | Helpful | `aws:SourceAccount` and `aws:SourceArn` |

- **Time to learn**: 25 minutes.
- **System requirements**: none. This lesson always runs offline, even with
  `LABKIT_MODE=aws`: filling an account's shared resource policy on purpose is not something
  to do to a real account.

---

%% md
## Imports

%% code
import json

from botocore.exceptions import ClientError

import labkit
from labkit import article
from labkit.iam import Policy, Request, evaluate, lint

%% md
## Fill the classic policy

The **classic** behaviour, the one the article met: one account-level policy named
`AWSLogDeliveryWrite20150319`, and each new log group appends one `Resource` entry to it.
The CloudWatch Logs guide: "CloudWatch Logs resource policies are limited to 5120
characters", and services "must list each log group"
([CWL-UG](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)).

%% code
world = labkit.offline(profile="classic")
iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
role_arn = article.create_role(iam)

%% code
def machine(group, name):
    arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
    return sfn.create_state_machine(name=name, definition=article.definition(), roleArn=role_arn,
                                    loggingConfiguration=article.logging_configuration(arn))["stateMachineArn"]

%% code
def shared_policy():
    policies = logs.describe_resource_policies()["resourcePolicies"]
    return next(p["policyDocument"] for p in policies if p["policyName"] == "AWSLogDeliveryWrite20150319")

%% md
**Predict.** Teams create log groups named after their service,
`team-00-payments-reconciliation-service-logs`, `team-01-...`, and so on, each with a state
machine. Each name adds an entry of about 105 characters to the policy. After how many does CreateStateMachine fail, and with which error?

%% code
for n in range(100):
    logs.create_log_group(logGroupName=f"team-{n:02d}-payments-reconciliation-service-logs")
    try:
        machine(f"team-{n:02d}-payments-reconciliation-service-logs", f"team-{n:02d}")
    except ClientError as error:
        print(f"team-{n:02d}:", error.response["Error"]["Code"])
        print(error.response["Error"]["Message"])
        break

%% code
text = shared_policy()
print(len(text), "characters,", len(json.loads(text)["Statement"][0]["Resource"]), "log groups")

%% md
**Explain.** The machine shown above could not be created:
`InvalidLoggingConfiguration` with *"Invalid Logging Configuration: The CloudWatch Logs
Resource Policy size was exceeded. We suggest prefixing your CloudWatch log group name with
/aws/vendedlogs/states/."* This exact message is reported again and again, for example in
[aws-cdk #28900](https://github.com/aws/aws-cdk/issues/28900) and
[aws-batch-runtime-monitoring #23](https://github.com/aws-samples/aws-batch-runtime-monitoring/issues/23).
Around 2020 the same situation produced the `AccessDeniedException` of
[03_role_at_setup_time](03_role_at_setup_time.ipynb)
([serverless-step-functions #334](https://github.com/serverless-operations/serverless-step-functions/issues/334)).
The entries are also never removed when a state machine or stack is deleted (same reports),
so an account fills up over the years. Where exactly the lab stops is a simulator setting:
the limit is documented, but how close to it AWS lets the policy grow is *inferred*.

## Use the /aws/vendedlogs/ prefix

The error message has the fix. The Step Functions guide: a log group name starting with
`/aws/vendedlogs/` "will grant permissions to the log group without appending more characters
to the resource policy" ([bp-cwl](https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html)),
and the CloudWatch Logs guide says that near the limit "CloudWatch Logs automatically enables
`/aws/vendedlogs/*` in the resource policy".

**Predict.** In a fresh account, forty-five teams follow the advice and name their groups
`/aws/vendedlogs/states/team-NN-app-logs`. How long does the policy get?

%% code
world.close()
world = labkit.offline(profile="classic")
iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
role_arn = article.create_role(iam)

%% code
for n in range(45):
    logs.create_log_group(logGroupName=f"/aws/vendedlogs/states/team-{n:02d}-app-logs")
    machine(f"/aws/vendedlogs/states/team-{n:02d}-app-logs", f"team-{n:02d}")
text = shared_policy()
print(len(text), "characters,", len(json.loads(text)["Statement"][0]["Resource"]), "entries")

%% code
json.loads(text)["Statement"][0]["Resource"][-2:]

%% md
**Explain.** All forty-five machines were created. Each prefixed group still added its own entry
while there was room; once the policy approached the limit, CloudWatch Logs added one
wildcard entry, `...:log-group:/aws/vendedlogs/*`, that covers every group under the prefix,
and from then on new prefixed groups added nothing. That is why the console creates Step
Functions log groups as `/aws/vendedlogs/states/<name>-Logs`, and why the article's group has
that name. Two details are *inferred* and are settings of the simulator: the size at which
the wildcard appears (AWS says only "approaching the limit"), and that a policy already full
of unprefixed names has no room left even for the wildcard (so the fix for a full account is
to remove stale entries, which AWS never removes by itself). The stored form of the wildcard
follows a public report ([sst #125](https://github.com/anomalyco/sst/issues/125)).

One more classic limit: "Up to 10 CloudWatch Logs resource policies per Region per account"
([CWL-UG](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html));
an 11th `PutResourcePolicy` fails with `LimitExceededException: Resource limit exceeded.`
([aws-cdk #22307](https://github.com/aws/aws-cdk/issues/22307)). Since the 2026 change the
API counts "a maximum of 10 policies without resourceARN and one per LogGroup resourceARN"
([PutResourcePolicy](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html)).

%% code
world.close()

%% md
## Meet the per-log-group policies

Since about March 2026, CloudWatch Logs writes **log-group-level** policies for new
subscriptions: "resource policies are configured at the log group level and have a maximum
size of 51,200 bytes. If an existing account-level resource policy already grants
permissions through wildcards, a separate log group level policy would not be created"
([CWL-UG](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)).
The API gained `resourceArn` on `PutResourcePolicy` and `policyScope` (`ACCOUNT` or
`RESOURCE`) on `DescribeResourcePolicies`
([API](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeResourcePolicies.html));
the date comes from a Terraform provider change confirmed with AWS Support
([terraform-provider-aws #47111](https://github.com/hashicorp/terraform-provider-aws/pull/47111)).
The lab calls this the **current** profile:

%% code
world = labkit.offline(profile="current")
iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
role_arn = article.create_role(iam)

%% code
for n in range(3):
    logs.create_log_group(logGroupName=f"team-{n:02d}-app-logs")
    machine(f"team-{n:02d}-app-logs", f"team-{n:02d}")

%% code
logs.describe_resource_policies(policyScope="ACCOUNT")["resourcePolicies"]

%% code
found = logs.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"]
[(p["policyScope"], p["resourceArn"].split(":log-group:")[1]) for p in found]

%% code
print(json.dumps(json.loads(found[0]["policyDocument"]), indent=2))

%% md
**Explain.** No account-level policy: each log group got its own `RESOURCE`-scope policy,
and a log group has at most one. For new set-ups in a new account the 5,120-character race
is gone, and the article's phase 2 means deleting the log group's own policy.

**Predict.** An older account already has the classic account-level policy, with the
`/aws/vendedlogs/*` wildcard. A new machine logs to a new `/aws/vendedlogs/states/` group.
Does that group get its own log-group-level policy?

%% code
wildcard = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"arn:aws:logs:us-east-1:{world.account_id}:log-group:/aws/vendedlogs/*"}]}
logs.put_resource_policy(policyName="AWSLogDeliveryWrite20150319", policyDocument=json.dumps(wildcard))
logs.create_log_group(logGroupName="/aws/vendedlogs/states/team-03-app-logs")
team_03 = machine("/aws/vendedlogs/states/team-03-app-logs", "team-03")

%% code
found = logs.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"]
[p["resourceArn"].split(":log-group:")[1] for p in found]

%% code
execution = article.start_execution(sfn, team_03, name="wildcard")
world.settle()
rows = world.deliveries().query("execution_arn == @execution")
rows["status"].value_counts().to_dict(), rows["reason"].iloc[0]

%% md
**Explain.** No policy for `team-03`: as the guide says, when an existing account-level
policy already grants permissions through wildcards, no log-group-level policy is created,
and delivery runs under the old account-level policy. So on such an account, phase 2 of the
article means deleting (or narrowing) that shared policy, which covers other groups too
([06_real_aws](06_real_aws.ipynb) shows how the lab avoids that). How the two kinds coexist
beyond that sentence is not documented; the rest of the lab's behaviour here is *inferred*.

%% code
world.close()

%% md
## Write your own least-privilege policy

The auto-created statement allows `delivery.logs.amazonaws.com` and, to protect against the
**confused deputy** problem, adds two conditions: `aws:SourceAccount` must be your account,
and `aws:SourceArn` must match `arn:aws:logs:REGION:ACCOUNT:*`. The CloudWatch Logs guide
recommends both, and with both "the `aws:SourceAccount` value and the account in the
`aws:SourceArn` value must use the same account ID"
([CWL-UG](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html),
[IAM confused deputy](https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)).

Write a policy for the article's log group only:

%% code
world = labkit.offline()
account, region = world.account_id, world.region
group = f"arn:aws:logs:{region}:{account}:log-group:{article.LOG_GROUP_NAME}"

%% code
mine = {"Version": "2012-10-17", "Statement": [{
    "Sid": "StepFunctionsLogsForOneGroup", "Effect": "Allow",
    "Principal": {"Service": "delivery.logs.amazonaws.com"},
    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{group}:log-stream:*",
    "Condition": {"StringEquals": {"aws:SourceAccount": account},
                  "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{region}:{account}:*"}}}]}

%% code
lint(mine, kind="resource")

%% md
Check it before you put it anywhere. The delivery service asks to `PutLogEvents` on a stream
of the group, from your account:

%% code
policy = Policy.load(mine, kind="resource", name="mine")
stream = f"{group}:log-stream:states/LookingIntoLogging/2026-11-02-09-00/0a1b2c3d"
context = {"aws:SourceAccount": account, "aws:SourceArn": group}
print(evaluate(Request("delivery.logs.amazonaws.com", "logs:PutLogEvents", stream, context), resource=[policy]))

%% md
**Predict.** The same request on behalf of another account (a confused deputy), and a request
whose `aws:SourceArn` names the state machine rather than a logs ARN: allowed or denied?

%% code
other = {"aws:SourceAccount": "111122223333", "aws:SourceArn": group.replace(account, "111122223333")}
print(evaluate(Request("delivery.logs.amazonaws.com", "logs:PutLogEvents", stream, other), resource=[policy]))

%% code
machine_arn = f"arn:aws:states:{region}:{account}:stateMachine:{article.STATE_MACHINE_NAME}"
wrong = {**mine, "Statement": [{**mine["Statement"][0], "Condition": {"ArnLike": {"aws:SourceArn": machine_arn}}}]}
print(evaluate(Request("delivery.logs.amazonaws.com", "logs:PutLogEvents", stream, context),
               resource=[Policy.load(wrong, kind="resource", name="wrong")]))

%% md
`labkit.iam.lint` knows this mistake:

%% code
lint(wrong, kind="resource")

%% md
**Explain.** The other account's request is denied: both conditions fail, and the
explanation names them. The second policy denies your own delivery: for vended logs the source ARN is an
`arn:aws:logs:...` ARN, not the state machine's, so a condition naming the state machine
never matches. That source ARN value is *inferred* (AWS's own statement uses
`arn:aws:logs:REGION:ACCOUNT:*`, which is consistent with it); it is a classic way to break
delivery while tightening a policy.

Finally, use your policy in place of the auto-created one and run the article's machine:

%% code
iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
machine_arn = article.create_state_machine(sfn, article.create_role(iam), article.create_log_group(logs))
logs.delete_resource_policy(policyName="AWSLogDeliveryWrite20150319")
logs.put_resource_policy(policyName="lab-least-privilege", policyDocument=json.dumps(mine))
[p["policyName"] for p in logs.describe_resource_policies()["resourcePolicies"]]

%% code
run = article.start_execution(sfn, machine_arn, name="mine")
world.settle()
world.deliveries().query("execution_arn == @run")["status"].value_counts()

%% code
world.close()

%% md
## Summary

In the classic behaviour, one account-level policy lists every log group and stops growing at
5,120 characters; CreateStateMachine then fails with `InvalidLoggingConfiguration` and the
advice to use `/aws/vendedlogs/states/`, whose wildcard entry covers every prefixed group.
Since about March 2026 new set-ups get one 51,200-byte policy per log group
(`policyScope` `RESOURCE`, named by `resourceArn`), unless an existing account-level
wildcard already covers the group. Either way you can write your own policy: allow only
`delivery.logs.amazonaws.com`, only `CreateLogStream` and `PutLogEvents`, only your group's
streams, and add `aws:SourceAccount` plus an `arn:aws:logs:` `aws:SourceArn` condition.

### What's next?

[06_real_aws](06_real_aws.ipynb) runs the same calls on a real account, safely.

## Resources and references

- Amazon CloudWatch Logs User Guide, [Enabling logging from AWS services](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html) (size limits, `/aws/vendedlogs/*`, log-group-level policies, confused-deputy conditions)
- AWS Step Functions Developer Guide, [Best practices: CloudWatch Logs resource policy size](https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html)
- CloudWatch Logs API Reference, [PutResourcePolicy](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html) and [DescribeResourcePolicies](https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeResourcePolicies.html)
- IAM User Guide, [The confused deputy problem](https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)
- Reports: [aws-cdk #28900](https://github.com/aws/aws-cdk/issues/28900), [aws-cdk #22307](https://github.com/aws/aws-cdk/issues/22307), [terraform-provider-aws #47111](https://github.com/hashicorp/terraform-provider-aws/pull/47111)
"""

# ============================================================================ 06 real AWS

NB_06 = r"""
%% md
# Run the lab on your own account, safely, and diagnose missing logs

---

%% md
## Overview

Everything so far ran in a simulated account. This lesson is about a real one: yours. It is
**opt-in**. By default every cell below runs as a **dry run**: each call is printed and
answered by the offline simulation, nothing is sent to AWS (that is also how the lesson is
tested). The same cells talk to a real account only when you start Jupyter with
`LABKIT_MODE=aws`.

1. **Choose a world**: one switch, the same calls.
2. **Know the cost** before you start.
3. **Know the safeguards**: why the lab never deletes the shared resource policy, and what it
   does instead.
4. **Run the article** with prefixed names, a ledger and a byte-for-byte restore.
5. **Diagnose a state machine** with `labkit.doctor`, read-only.

%% md
## Prerequisites

| Concepts | Importance | Notes |
| --- | --- | --- |
| [01_the_article](01_the_article.ipynb) | Necessary | the three phases |
| [05_limits_and_prefix](05_limits_and_prefix.ipynb) | Helpful | account-level vs log-group-level policies |
| [Configuring AWS credentials](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/credentials.html) | Necessary for a real run | a profile or environment variables |

- **Time to learn**: 20 minutes as a dry run; add 10 minutes for a real run.
- **System requirements**: for the dry run, none. For a real run: an AWS account you may
  experiment in (not production), credentials allowed to manage IAM roles, Step Functions
  and CloudWatch Logs there, and a private Jupyter (never a public Binder: do not put
  credentials there).

---

%% md
## Imports

%% code
import json
import os
import tempfile

import labkit
from labkit import article, safety
from labkit.world.real import remove_lab_statement, restore_lab_statement

%% md
## Choose a world

`labkit.connect()` reads `LABKIT_MODE`: unset or `offline` gives the simulated account,
`aws` gives `labkit.aws()`, a world over a real boto3 session (your default credentials or
`AWS_PROFILE`; `AWS_ENDPOINT_URL` works too). Both offer the same methods: `client(name)`,
`settle(timeout=...)` and `deliveries()`. Nothing else in a lesson changes.

%% code
world = labkit.connect()
world.mode

%% md
To opt in, stop Jupyter and start it again with the variable set, for example
`LABKIT_MODE=aws AWS_PROFILE=sandbox jupyter lab`. On a real account `labkit.aws()` first
checks that it can work safely: it refuses to start, with a one-line reason, when there are
no credentials or they are expired, when it cannot read the resource policies or could not
restore them, or when the account already has the maximum of 10 account-level resource
policies. It never prints your credentials.

Without the opt-in, this lesson opens `labkit.aws(dry_run=True)`: the real world's code,
guards and ledger, answered by the offline simulation. The ledger goes to a temporary folder.

%% code
opted_in = world.mode == "aws"
calls = []
lab = world if opted_in else labkit.aws(dry_run=True, progress=False, out=calls.append,
                                       ledger_path=os.path.join(tempfile.mkdtemp(), "ledger.jsonl"))
print(calls[0] if calls else "REAL ACCOUNT: calls go to AWS")

%% md
## Know the cost

%% code
print(safety.COST_NOTE)

%% md
Step Functions Standard workflows are billed per state transition and CloudWatch Logs per
GB of vended logs ingested ([Step Functions pricing](https://aws.amazon.com/step-functions/pricing/),
[CloudWatch pricing](https://aws.amazon.com/cloudwatch/pricing/)); three executions of the
Hello World template are far inside the free tier of most accounts. The estimate is the
lab's own arithmetic, not a quote: check the pricing pages for your Region.

## Know the safeguards

The article deletes `AWSLogDeliveryWrite20150319` in phase 2. On a shared account that is
dangerous. In the **classic** behaviour the policy is **account-wide** (`policyScope`
`ACCOUNT`): CloudWatch Logs appends an entry to it for every log group that a vended-log
service delivers to, not only Step Functions, and near its size limit adds a
`/aws/vendedlogs/*` wildcard that covers every group under that prefix ([CWL-UG](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)).
In the **current** behaviour (since about March 2026) "for newly created subscriptions,
resource policies are configured at the log group level" (`policyScope` `RESOURCE`, one per
log group, up to 51,200 bytes), but "if an existing account-level resource policy already
grants permissions through wildcards, a separate log group level policy would not be
created" (same page). So an older account keeps its shared policy, and even a new log group
may depend on it. Deleting it can silently stop other teams' logs. So on a real account the lab:

- reads every name a lab call creates or writes as `labkit-<name>` (so the lesson code runs
  unchanged), tags what it creates, and refuses to write to anything outside that namespace;
- records every creation in a **ledger** on disk, and saves every resource policy before a
  call that may change it;
- cleans up from the ledger on `close()`, after an error and after an interrupt, and puts
  every saved policy back **byte for byte**, with retries (clean-up is idempotent);
- answers phase 2's `delete_resource_policy` on a shared policy by removing **only the lab's
  own entry** (or, under the current behaviour, the lab's own log-group-level policy), says so,
  and refuses when a wildcard entry also covers other groups;
- does not attach AdministratorAccess (the article's phase 2 did): the role's permissions do
  not change delivery, as [01_the_article](01_the_article.ipynb) showed, so the real run
  leaves that risk out.

Here is the phase-2 rule on a policy like the ones real accounts have, where the lab's group
shares the policy with an API Gateway group:

%% code
entries = [f"arn:aws:logs:us-east-1:123456789012:log-group:{g}:log-stream:*"
           for g in ("API-Gateway-Execution-Logs_abc/prod", "/aws/vendedlogs/states/labkit-LookingIntoLogging-Logs")]
shared = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"},
          "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": entries}]}
safety.foreign_coverage(shared)

%% code
after = safety.without_group(shared, "/aws/vendedlogs/states/labkit-LookingIntoLogging-Logs")
json.loads(after)["Statement"][0]["Resource"]

%% md
The API Gateway entry stays; only the lab's entry goes. Deleting the whole policy, as the
article did, would have dropped the other team's entry:

%% code
safety.dropped_coverage(shared, {"Version": "2012-10-17", "Statement": []})

%% md
## Run the article

The article's steps with the lab's names. The role and log group:

%% code
iam, logs, sfn = lab.client("iam"), lab.client("logs"), lab.client("stepfunctions")
role, group = lab.name(article.ROLE_NAME), lab.name(article.LOG_GROUP_NAME)
role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(article.TRUST_POLICY))["Role"]["Arn"]
iam.put_role_policy(RoleName=role, PolicyName="log-delivery", PolicyDocument=json.dumps(article.ROLE_POLICY))
role_arn

%% code
logs.create_log_group(logGroupName=group)
group_arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
machine_arn = sfn.create_state_machine(name=lab.name(article.STATE_MACHINE_NAME), definition=article.definition(),
                                      roleArn=role_arn, loggingConfiguration=article.logging_configuration(group_arn))["stateMachineArn"]
machine_arn

%% md
A small helper runs one execution and counts the log messages it left. On a real account it
first waits with `lab.settle()`, which polls the execution, then the log group until delivery
is quiet (AWS promises no delivery time: "best-effort"); the dry run's simulation delivers
as soon as it is read.

%% code
def run(name):
    arn = sfn.start_execution(stateMachineArn=machine_arn, name=name)["executionArn"]
    if opted_in:
        lab.settle(timeout=300)
    events = logs.filter_log_events(logGroupName=group, filterPattern=f'"{arn}"')["events"]
    return sfn.describe_execution(executionArn=arn)["status"], len(events)

%% code
run("phase-1")

%% md
**Phase 2**, safely: remove only the lab's entry.

%% code
changes = remove_lab_statement(lab, group)
[(change["scope"], change["name"], "deleted" if change["after"] is None else "entry removed") for change in changes]

%% code
run("phase-2")

%% md
**Phase 3**: put the lab's entry back.

%% code
restore_lab_statement(lab, group)
run("phase-3")

%% md
The same three results as the article: logs, no logs, logs again. (In the dry run the account
was empty, so the lab's entry was the whole policy and removing it meant deleting the policy;
on a shared account only the entry goes.)

## Diagnose a state machine

`labkit.doctor(world, state_machine_arn)` is read-only. It reads the machine's
`loggingConfiguration`, its role's policies and boundary, the log group, and the account-level
and log-group-level resource policies, and says whether logs will be delivered, at which
level, with or without execution data; if not, why, and which change fixes it. The same
diagnosis runs from a shell: `python -m labkit doctor --state-machine ARN` (non-zero exit
code when delivery is broken). Point it at your own state machine: it changes nothing.

%% code
report = labkit.doctor(lab, machine_arn)
report.delivers

%% code
print(report.headline)

%% md
**Predict.** Remove the lab's entry again, as in phase 2. What will the doctor say, and what
fix will it propose?

%% code
remove_lab_statement(lab, group)
print(labkit.doctor(lab, machine_arn))

%% md
**Explain.** The doctor asks the question the delivery service asks at run time: may
`delivery.logs.amazonaws.com` call `logs:CreateLogStream` and `logs:PutLogEvents` on the log
group's streams? It answers with the IAM evaluator's explanation, notes that the role's own
`logs:PutLogEvents` does not help, and prints the statement to add. On a real account it
reads the same things through read-only calls (`DescribeStateMachine`, IAM `Get*`/`List*`,
`DescribeLogGroups`, `DescribeResourcePolicies`).

## Clean up

`close()` deletes what the ledger says the lab created, latest first, and restores every
saved resource policy byte for byte.

%% code
lab.close()
world.close()
frame = lab.ledger.to_frame()
frame["event"].value_counts()

%% md
The two resource-policy keys the lab saved before touching them, and what clean-up did with
each (in the dry run neither existed before, so restoring means deleting what set-up
created):

%% code
frame.loc[frame["event"].isin(["policy-saved", "restored"]), ["event", "key", "existed"]]

%% md
Nothing is left for a later clean-up. (If a kernel dies mid-run,
`labkit.world.real.resume_cleanup(ledger_path)` finishes the clean-up from the ledger file.)

%% code
lab.ledger.pending()

%% md
In the dry run, `calls` holds every call the lab would have sent, clean-up included:

%% code
[line.split("(")[0].removeprefix("DRY RUN  ") for line in calls[2:]][-12:]

%% md
## Summary

One environment variable, `LABKIT_MODE=aws`, moves the lessons to a real account; without it
this lesson runs as a dry run that prints every call. On a real account the lab states its
cost (well under a cent), prefixes, tags and records what it creates, restores resource
policies byte for byte, and in phase 2 removes only its own entry instead of deleting the
shared `AWSLogDeliveryWrite20150319` policy. `labkit.doctor` reads a state machine's logging
set-up and says whether, and why not, its logs are delivered, with the fix.

### What's next?

[07_check_your_understanding](07_check_your_understanding.ipynb): questions with immediate
feedback, and a bug hunt in broken policies.

## Resources and references

- Amazon CloudWatch Logs User Guide, [Enabling logging from AWS services](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html)
- [AWS Step Functions pricing](https://aws.amazon.com/step-functions/pricing/), [Amazon CloudWatch pricing](https://aws.amazon.com/cloudwatch/pricing/)
- boto3, [Credentials](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/credentials.html); AWS SDKs, [service-specific endpoints](https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html) (`AWS_ENDPOINT_URL`)
- Reports of entries piling up in the shared policy: [serverless-step-functions #334](https://github.com/serverless-operations/serverless-step-functions/issues/334), [sst #125](https://github.com/anomalyco/sst/issues/125)
"""

# ============================================================================ 07 check your understanding

NB_07 = r"""
%% md
# Check your understanding: who writes the logs?

**What you'll do:** answer twelve questions with immediate feedback, then check the predictions against the lab.

**What you'll learn:**

* to predict what arrives in CloudWatch Logs for a given resource policy, role and log level;
* to spot the classic defects in a log-delivery resource policy;
* to tell the set-up check (the role) from delivery (the resource policy).

---

%% md
## Overview

1. Predict the outcome
2. Check the predictions in the lab
3. Hunt the bug
4. Question the misconceptions

%% md
## Prerequisites

| Concepts | Importance | Notes |
| --- | --- | --- |
| The article's three phases (`01_the_article`) | Necessary | |
| The policy lab (`02_policy_lab`) | Necessary | The predict items use the same variants |
| Log levels and the set-up check (`03`, `04`) | Helpful | |

* **Time to learn:** 20 minutes
* **System requirements:** none (offline).

Choose an option and press **Check**. A second wrong answer reveals the answer and why. The answers live in `labkit.quiz`, not in this page; this is self-assessment, not grading.

---

%% md
## Imports

%% code
import labkit
from labkit.lab import PolicyLab
from labkit.quiz import Quiz, bank

%% md
## Predict the outcome

%% code
predict = [Quiz(q) for q in bank("predict")]
predict[0]

%% code
predict[1]

%% code
predict[2]

%% code
predict[3]

%% code
predict[4]

%% md
## Check the predictions in the lab

Each prediction item carries the lab settings it describes. Run them all in a fresh offline world and compare with your answers:

%% code
lab = PolicyLab(labkit.connect())
for quiz in predict:
    result = lab.set(**quiz.question.lab).run()
    print(f"{quiz.question.id:26} {result.error or result.verdict[:60]}")
    lab.set(resource_policy="auto-created", role="log-delivery", level="ALL", apply="update").run()

%% md
## Hunt the bug

Each policy below was meant to let the lab's logs arrive. Find the defect.

%% code
bugs = [Quiz(q) for q in bank("bug-hunt")]
bugs[0]

%% code
bugs[1]

%% code
bugs[2]

%% code
bugs[3]

%% md
The first three are resource policies; try them in the lab, where the custom editor takes the same JSON:

%% code
for quiz in bugs[:3]:
    result = lab.set(**quiz.question.lab).run()
    print(f"{quiz.question.id:24} {result.delivered} of {result.logged} delivered")

%% md
## Question the misconceptions

%% code
myths = [Quiz(q) for q in bank("misconception")]
myths[0]

%% code
myths[1]

%% code
myths[2]

%% md
Answers can be checked from code too, which is how this page is tested:

%% code
print(myths[2].check(0).correct, myths[2].check(2).correct)

%% md
---
## Summary

Logs reach CloudWatch Logs when the log group's resource policy lets `delivery.logs.amazonaws.com` create streams and put events there, whatever the role allows. The role matters when the state machine is created or updated with logging, and the error it raises then (`AccessDeniedException`, "The state machine IAM Role is not authorized to access the Log Destination") is also reported when the resource policy, not the role, is at fault. Delivery is best-effort.

### What's next?

Try the same experiments on a real account with `06_real_aws`, or go back to `02_policy_lab` and write your own least-privilege policy in the custom editor.

## Resources and references

* AWS, [Logging Step Functions using CloudWatch Logs](https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html): best-effort delivery; role permissions.
* AWS, [Enabling logging from AWS services](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html): the resource policy and its conditions.
* AWS, [CloudWatchLogsLogGroup](https://docs.aws.amazon.com/step-functions/latest/apireference/API_CloudWatchLogsLogGroup.html): `logGroupArn` must end with `:*`.
* jupyter4edu, [Teaching and Learning with Jupyter](https://jupyter4edu.github.io/jupyter-edu-book/), chapter 4: the predict, bug-hunt and misconception patterns used here.
"""


NOTEBOOKS_SOURCE = {
    "00_start_here": NB_00,
    "01_the_article": NB_01,
    "02_policy_lab": NB_02,
    "03_role_at_setup_time": NB_03,
    "04_levels_and_data": NB_04,
    "05_limits_and_prefix": NB_05,
    "06_real_aws": NB_06,
    "07_check_your_understanding": NB_07,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers or names (default: all)")
    parser.add_argument(
        "--check", action="store_true", help="only compare sources; exit 1 on drift"
    )
    parser.add_argument("--execute", action="store_true", help="then store fresh outputs")
    args = parser.parse_args(argv)
    wanted = [
        name
        for name in NOTEBOOKS_SOURCE
        if not args.lessons or any(name.startswith(x) for x in args.lessons)
    ]
    drift = []
    for name in wanted:
        nb = build(name, NOTEBOOKS_SOURCE[name])
        path = NOTEBOOKS / f"{name}.ipynb"
        if args.check:
            current = nbformat.read(path, as_version=4) if path.exists() else None
            if current is None or _sources(current) != _sources(nb):
                drift.append(path.name)
            continue
        NOTEBOOKS.mkdir(exist_ok=True)
        nbformat.write(nb, path)
        print(f"wrote {path.relative_to(ROOT)} ({len(nb.cells)} cells)")
    if args.execute and not args.check:
        return execute([NOTEBOOKS / f"{name}.ipynb" for name in wanted])
    if drift:
        print("sources differ from scripts/build_notebooks.py:", ", ".join(drift))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
