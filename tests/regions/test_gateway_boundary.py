"""Only the access gateway (and the region layer under it) touches protected data directly.

Feature code gets protected rows and plaintext only through a Vault handed out by
``townhall.audit.gateway.open_vault``, which checks the purpose and policy and logs the access.
This test reads the source of every module under townhall/ and fails when one outside the
trusted set queries a protected model's manager, picks a region's database, decrypts, builds a
Vault of its own (which would skip the gateway's checks and log), or imports the region layer's
cryptography and keys at all.
"""

import ast
from pathlib import Path

from django.apps import apps

from townhall.regions.classification import DataClass, classify

ROOT = Path(__file__).resolve().parents[2] / "townhall"

# The trusted base: the gateway, the access log it writes, the region layer, and the
# account-wide operations over every app's data (moves, the residency scan, erasure).
TRUSTED = {
    "accountdata/move.py",
    "accountdata/residency.py",
    "accountdata/erasure.py",
    "audit/gateway.py",
    "audit/log.py",
    "audit/selectors.py",
    "audit/models.py",
}
TRUSTED_FOLDERS = ("regions/", "audit/migrations/", "accounts/migrations/", "audit/management/")

# Names whose use outside the trusted base bypasses the gateway.
FORBIDDEN_IMPORTS = {
    "townhall.regions.selectors": {"in_region", "in_home_region"},
}
# Modules nothing outside the trusted base imports, whatever the name: the data keys, the
# key-encryption keys and the ciphers that use them.
FORBIDDEN_MODULES = {
    "townhall.regions.crypto",
    "townhall.regions.keys",
    "townhall.regions.keyproviders",
}
MANAGER_ATTRIBUTES = {"objects", "_default_manager", "_base_manager", "db_manager"}


def protected_model_names():
    names = set()
    for model in apps.get_models():
        if classify(model) in (DataClass.PROTECTED, DataClass.REGIONAL, DataClass.KEYRING):
            names.add(model.__name__)
    return names


def violations_in(source: str, protected: set[str]) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in FORBIDDEN_IMPORTS:
            for alias in node.names:
                if alias.name in FORBIDDEN_IMPORTS[node.module] or alias.name == "*":
                    found.append(f"line {node.lineno}: imports {node.module}.{alias.name}")
        if isinstance(node, ast.ImportFrom) and node.module is not None:
            for alias in node.names:
                imported = f"{node.module}.{alias.name}"
                if node.module in FORBIDDEN_MODULES or imported in FORBIDDEN_MODULES:
                    found.append(f"line {node.lineno}: imports {imported}")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in FORBIDDEN_IMPORTS or alias.name.startswith(
                    tuple(FORBIDDEN_MODULES)
                ):
                    found.append(f"line {node.lineno}: imports {alias.name}")
        if isinstance(node, ast.Call):
            called = node.func
            name = (
                called.id
                if isinstance(called, ast.Name)
                else called.attr
                if isinstance(called, ast.Attribute)
                else ""
            )
            if name == "Vault":
                found.append(f"line {node.lineno}: constructs a Vault (only the gateway does)")
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGER_ATTRIBUTES
            and isinstance(node.value, ast.Name)
            and node.value.id in protected
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
        names_a_database = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and (
                node.func.attr == "using"
                or (isinstance(node.func.value, ast.Name) and node.func.value.id == "transaction")
            )
        )
        if names_a_database:
            assert isinstance(node, ast.Call)
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Constant) and str(arg.value).startswith(
                    ("region_", "keyring_")
                ):
                    found.append(f"line {node.lineno}: names the database {arg.value!r}")
    return found


def test_no_feature_code_bypasses_the_gateway():
    protected = protected_model_names()
    assert {"Identity", "ApiToken", "DataKey", "AccessLogEntry"} <= protected
    problems = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in TRUSTED or relative.startswith(TRUSTED_FOLDERS):
            continue
        problems += [f"townhall/{relative} {v}" for v in violations_in(path.read_text(), protected)]
    assert not problems, "protected data accessed outside the gateway:\n" + "\n".join(problems)


def test_the_check_catches_each_bypass():
    protected = {"Identity"}
    assert violations_in("Identity.objects.filter(account_id=1)", protected)
    assert violations_in("Identity._default_manager.all()", protected)
    assert violations_in("from townhall.regions.selectors import in_home_region", protected)
    assert violations_in("from townhall.regions.crypto import open_sealed", protected)
    assert violations_in("from townhall.regions.keys import data_key_get", protected)
    assert violations_in("from townhall.regions.keys import DataKeyUnavailable", protected)
    assert violations_in("from townhall.regions.crypto import SeekableReader", protected)
    assert violations_in("from townhall.regions.keyproviders import KeyProvider", protected)
    assert violations_in("from townhall.regions import crypto", protected)
    assert violations_in("import townhall.regions.keys", protected)
    assert violations_in("import townhall.regions.keyproviders as kp", protected)
    assert violations_in("Vault(subject=someone, region=uk)", protected)
    assert violations_in("gateway.Vault(subject=someone, region=uk, key=key)", protected)
    assert violations_in("Account.objects.using('region_uk')", protected)
    assert violations_in("transaction.atomic(using='keyring_uk')", protected)
    assert not violations_in("vault.rows(Identity).first()", protected)
    assert not violations_in("from townhall.audit.gateway import Vault, own_vault", protected)
    assert not violations_in("def f(vault: Vault) -> Vault: return vault", protected)
    assert not violations_in("from townhall.regions.selectors import storage_for", protected)
    assert not violations_in("Account.objects.filter(handle='x')", protected)
