"""The architecture, checked: contracts are leaf modules, a service imports nothing of another but its contract, and
all five services are laid out alike (chassis/README.md shows the layout)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("identity", "accounts", "loans", "withdrawals", "notifications")
# what a contract may import besides the standard library
CONTRACT_MAY_IMPORT = ("marshmallow", "chassis.bus.envelope")
# every service has these; the console and the adapters only where the service has staff pages or outside parties
LAYOUT = ("app.py", "config.py", "models.py", "schemas.py", "events.py", "consumers.py", "commands.py", "seed.py")
PACKAGES = ("api", "cases", "domain", "migrations")
GONE = ("api.py", "staff_api.py", "admin_api.py", "api_sessions.py", "read_model.py", "saga.py", "clock.py")


def imported_modules(path: Path) -> list[str]:
    """Every module `path` imports, absolute (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            found += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return found


def _is_stdlib(module: str) -> bool:
    return module.split(".")[0] in sys.stdlib_module_names


def contract_offences(path: Path) -> list[str]:
    offences = []
    for module in imported_modules(path):
        allowed = _is_stdlib(module) or any(
            module == prefix or module.startswith(prefix + ".") for prefix in CONTRACT_MAY_IMPORT
        )
        if not allowed and module.rsplit(".", 1)[0] not in CONTRACT_MAY_IMPORT:
            offences.append(module)
    return offences


def foreign_imports(service: str, path: Path) -> list[str]:
    """Imports of another service's modules other than its contract (`services.<other>.events`)."""
    offences = []
    for module in imported_modules(path):
        parts = module.split(".")
        foreign = len(parts) >= 2 and parts[0] == "services" and parts[1] in SERVICES and parts[1] != service
        if foreign and parts[2:3] != ["events"]:
            offences.append(module)
    return offences


@pytest.mark.parametrize("service", SERVICES)
def test_a_contract_imports_only_the_envelope_and_marshmallow(service):
    assert contract_offences(ROOT / "services" / service / "events.py") == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_nothing_of_another_but_its_contract(service):
    offences = {
        str(path.relative_to(ROOT)): found
        for path in (ROOT / "services" / service).rglob("*.py")
        if (found := foreign_imports(service, path))
    }
    assert offences == {}


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_laid_out_alike(service):
    folder = ROOT / "services" / service
    assert [name for name in LAYOUT if not (folder / name).is_file()] == []
    assert [name for name in PACKAGES if not (folder / name / "__init__.py").is_file() and name != "migrations"] == []
    assert (folder / "migrations").is_dir()
    assert [name for name in GONE if (folder / name).exists()] == []
    assert {path.name for path in (folder / "api").glob("*.py")} <= {
        "__init__.py",
        "public.py",
        "depositor.py",
        "staff.py",
        "internal.py",
        "dev_inbox.py",
    }


def test_the_checks_catch_a_contract_that_drags_in_its_producer(tmp_path):
    contract = ROOT / "services" / "loans" / "events.py"
    leaky = contract.parent / "_leaky_contract_for_test.py"
    leaky.write_text("from sqlalchemy import select\nfrom services.loans.models import Loan\n", encoding="utf-8")
    try:
        assert contract_offences(leaky) == [
            "sqlalchemy",
            "sqlalchemy.select",
            "services.loans.models",
            "services.loans.models.Loan",
        ]
        assert foreign_imports("notifications", leaky) == ["services.loans.models", "services.loans.models.Loan"]
    finally:
        leaky.unlink()


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


@pytest.mark.parametrize("service", SERVICES)
def test_importing_a_contract_loads_no_database_web_or_service_code(service):
    loaded = _modules_loaded_by(f"import services.{service}.events")
    assert not {"sqlalchemy", "flask", "kombu"} & loaded
    assert {name for name in loaded if name.startswith("services.")} <= {
        "services",
        f"services.{service}",
        f"services.{service}.events",
    }


def test_a_service_app_loads_only_the_contracts_of_the_others():
    loaded = _modules_loaded_by("import services.notifications.app")
    others = {
        name
        for name in loaded
        if name.startswith("services.") and not name.startswith("services.notifications") and name.count(".") >= 2
    }
    assert others <= {f"services.{name}.events" for name in SERVICES}
