"""Stable rule codes. A code never changes meaning; retired codes are not reused.

The table feeds the README's rule list and the site's field reference, so every
code a module emits must be listed here (tests enforce it).
"""

from __future__ import annotations

CODES: dict[str, str] = {
    # LB0xx: reading files
    "LB001": "file cannot be read (not UTF-8, too large, empty, or a link leading outside the repository)",
    "LB002": "YAML syntax error",
    "LB003": "duplicate key in a mapping",
    "LB004": "YAML feature not allowed in records (tags, anchors, aliases, merge keys)",
    "LB005": "nesting too deep",
    "LB006": "document is not a mapping",
    "LB007": "mapping key is not a string",
    "LB008": "file in decisions/ that is not a known record",
    "LB009": "no policy, or a policy that cannot be used (exit 2)",
    "LB011": "too many schema problems in one file: the first 100 are listed, the rest counted",
    # LB1xx: shape and cross-record consistency
    "LB100": "does not match the schema",
    "LB110": "initiative id does not equal its folder name",
    "LB111": "decision number does not equal the number in its file name",
    "LB112": "two decisions of one initiative share a number",
    "LB113": "checklist field does not equal its file name",
    "LB114": "checklist is not defined by the policy",
    "LB115": "ids collide when case and Unicode form are ignored",
    "LB116": "folder in decisions/ has no initiative.yaml",
    "LB120": "history is not in date order",
    "LB121": "history does not end at the initiative's stage",
    "LB122": "stage is not one of the policy's stages",
    "LB130": "approach does not match the latest accepted decision",
    "LB131": "initiative past `proposed` has no accepted decision",
    "LB140": "supersedes a decision that does not exist",
    "LB141": "decision named in `supersedes` does not have status `superseded`",
    "LB142": "decision has status `superseded` but no decision supersedes it",
    "LB143": "supersession forms a cycle",
    "LB150": "criterion is not defined by the policy",
    "LB151": "option scores a criterion the decision does not weigh, or misses one it does",
    "LB152": "outcome.chosen is not one of the options",
    "LB153": "chosen option does not score highest and no override is recorded",
    "LB154": "ids repeat within a record (decision options, initiative metrics)",
    "LB160": "checklist item is not defined by the policy",
    "LB161": "policy names an unknown stage, or repeats a checklist item or criterion id",
    # LB2xx: readiness gates
    "LB201": "required item is not complete",
    "LB202": "done item lacks evidence, approver or date",
    "LB203": "approval is older than approval_max_age_days",
    "LB204": "approver is one of the initiative's owners",
    "LB205": "approver is not among the checklist's owners",
    "LB206": "waiver lacks reason, approver, date or expiry",
    "LB207": "waiver has expired",
    "LB208": "waiver runs longer than waiver_max_days",
    "LB209": "not-applicable where the item does not allow it, or without a reason",
    "LB210": "required item or checklist file is missing",
    "LB211": "date is in the future",
    # LB3xx: warnings
    "LB301": "approval expires within 30 days",
    "LB302": "waiver expires within 30 days",
    "LB303": "decision is past its review_by date",
    "LB304": "metric not measured in the last 14 days (canary/ga)",
    "LB305": "CODEOWNERS is out of date with the policy",
}
