"""Maintainer script: refresh ``aws_managed_policies.json`` from moto's bundled copy.

Run ``python -m labkit.iam.managed.refresh`` after upgrading moto. The documents are
AWS-authored; moto (Apache-2.0) bundles 1,500+ of them in ``moto/iam/aws_managed_policies.py``
(a JSON string ``aws_managed_policies_data``). labkit ships only the few its lessons use, so
notebooks need neither moto's 4.7 MB module nor network access.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from labkit.iam.managed import MANAGED_POLICY_NAMES as NAMES

OUTPUT = Path(__file__).with_name("aws_managed_policies.json")


def extract(names: tuple[str, ...] = NAMES) -> dict:
    """The named policies from moto's data, in labkit's shape."""
    import moto
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    data = json.loads(aws_managed_policies_data)
    source = f"moto {moto.__version__}, moto/iam/aws_managed_policies.py (documents AWS-authored)"
    out = {}
    for name in names:
        entry = data[name]
        path = entry.get("Path", "/")
        out[name] = {
            "name": name,
            "arn": f"arn:aws:iam::aws:policy{path}{name}",
            "DefaultVersionId": entry["DefaultVersionId"],
            "CreateDate": entry.get("CreateDate"),
            "UpdateDate": entry["UpdateDate"],
            "Document": entry["Document"],
            "source": source,
        }
    return {"policies": out}


def main(argv: list[str] | None = None) -> int:
    data = extract()
    OUTPUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {len(data['policies'])} policies to {OUTPUT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
