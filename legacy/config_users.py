"""The legacy ``users`` table: Django users with their bcrypt hashes and flags.

``"bcrypt$" + hash`` lets Django's ``BCryptPasswordHasher`` verify the legacy
``$2b$12$…`` hashes and upgrade each at that user's next login. Files from before
April 2025 name the column ``password`` (the same passlib bcrypt hash) instead of
``password_hash``. The legacy flags go to an ``accounts.LegacyProfile``, with
the row's other columns in its ``legacy_extra``. The legacy app had no roles; its
``admin`` user, the account the legacy installer creates and the one that ran the
instance, becomes staff and superuser here; every other user is a plain active
user.

Once an imported user has signed in here (their hash was upgraded, or
``last_login`` is set), this site owns the account: later imports leave the
password and the flags alone, so the legacy copy can never undo a password
change made here. A user of the same name made here, not imported, is never
taken over: the legacy row is rejected.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.contrib.auth.models import User

from accounts.models import LegacyProfile
from legacy.config_report import (
    INVALID_USERNAME,
    NOT_BCRYPT,
    USER_EXISTS,
    ConfigTableReport,
    Reject,
    TableCheck,
    legacy_row_json,
)
from legacy.config_rows import ConfigRow, Issue, convert_cell, extra_json
from legacy.config_store import Outcome, upsert
from legacy.convert import decode_text, to_bool
from legacy.rows import DUPLICATE_KEY, NULL_KEY, original_text

USERS: Final = "users"
TARGET: Final = "auth.User + accounts.LegacyProfile"
LEGACY_ADMIN_USERNAME: Final = "admin"
BCRYPT_PREFIXES: Final = ("$2a$", "$2b$", "$2y$")
USERNAME_MAX_LENGTH: Final = 150
# password_hash since April 2025; password before, holding the same kind of hash.
PASSWORD_COLUMNS: Final = ("password_hash", "password")
FLAG_COLUMNS: Final = ("force_password_change", "completed_onboarding")
HANDLED: Final = frozenset({"username", *PASSWORD_COLUMNS, *FLAG_COLUMNS})


@dataclass
class LegacyUser:
    """One legacy users row as this site will hold it, or why it cannot."""

    row: ConfigRow  # key (username,), LegacyProfile values, legacy_extra, issues
    password_column: str | None
    password_hash: str
    problem: tuple[str, str, str | None] | None = None  # reason, detail, column

    @property
    def username(self) -> str:
        return str(self.row.key[0]) if self.row.key else ""

    def user_values(self) -> dict[str, Any]:
        is_admin = self.username == LEGACY_ADMIN_USERNAME
        return {
            "password": f"bcrypt${self.password_hash}",
            "is_active": True,
            "is_staff": is_admin,
            "is_superuser": is_admin,
        }

    def profile_values(self) -> dict[str, Any]:
        return {**self.row.values, "legacy_extra": self.row.extra}


@dataclass(frozen=True)
class UserColumns:
    """Where the users table of this file keeps each thing."""

    names: tuple[str, ...]
    password: str | None = field(init=False)

    def __post_init__(self) -> None:
        present = [name for name in PASSWORD_COLUMNS if name in self.names]
        object.__setattr__(self, "password", present[0] if present else None)

    def position(self, name: str) -> int | None:
        return self.names.index(name) + 1 if name in self.names else None


def convert_user(columns: UserColumns, raw: Sequence[Any]) -> LegacyUser:
    """Pure: the legacy row ``raw`` (rowid first) as a user and its profile."""
    username = _text(raw, columns.position("username"))
    password = (_text(raw, columns.position(columns.password or "")) or "").strip()
    row = ConfigRow(
        int(raw[0]), None if username is None else (username,), {}, None, []
    )
    unparsed = _flags(columns, raw, row)
    unmapped = {
        name: original_text(raw[index + 1])
        for index, name in enumerate(columns.names)
        if name not in HANDLED
    }
    row.extra = extra_json(unmapped, unparsed)
    user = LegacyUser(row, columns.password, password)
    user.problem = _problem(user)
    return user


def _text(raw: Sequence[Any], position: int | None) -> str | None:
    return None if position is None else decode_text(raw[position]).value


def _flags(columns: UserColumns, raw: Sequence[Any], row: ConfigRow) -> dict[str, Any]:
    """Fill the LegacyProfile flags of ``row``; the originals worth keeping."""
    unparsed: dict[str, Any] = {}
    for name in FLAG_COLUMNS:
        position = columns.position(name)
        if position is None:
            continue  # older files: the flag keeps its default
        flag = LegacyProfile._meta.get_field(name)
        cell = convert_cell(flag, to_bool, raw[position])  # type: ignore[arg-type]
        row.values[name] = cell.value
        if cell.issue is not None:
            row.issues.append(Issue(name, cell.issue, raw[position]))
        if cell.keep_original:
            unparsed[name] = original_text(raw[position])
    return unparsed


def _problem(user: LegacyUser) -> tuple[str, str, str | None] | None:
    if user.row.key is None:
        return NULL_KEY, "no username", "username"
    if not user.username.strip():
        return INVALID_USERNAME, "empty username", "username"
    if len(user.username) > USERNAME_MAX_LENGTH:
        detail = f"username longer than {USERNAME_MAX_LENGTH} characters"
        return INVALID_USERNAME, detail, "username"
    if not user.password_hash.startswith(BCRYPT_PREFIXES):
        column = user.password_column or "password_hash"
        return NOT_BCRYPT, f"{column} is not a bcrypt hash", column
    return None


def owned_here(user: User) -> bool:
    """True once the user signed in here: their password is no longer legacy's."""
    return user.last_login is not None or not user.password.startswith("bcrypt$")


def imported_user(username: str) -> User | None:
    """The user of that name if an import made it (it has a LegacyProfile)."""
    return User.objects.filter(username=username, legacy_profile__isnull=False).first()


# --- the import ---------------------------------------------------------------------


def import_users(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], report: ConfigTableReport
) -> None:
    """Import every legacy user, or reject it with the reason."""
    layout = UserColumns(tuple(columns))
    seen: dict[str, int] = {}
    for raw in rows:
        user = convert_user(layout, raw)
        problem = user.problem or _duplicate(user, seen) or _taken(user)
        if problem is not None:
            reason, detail, column = problem
            row_json = legacy_row_json(columns, raw)
            report.rejects.append(
                Reject(
                    USERS,
                    user.row.rowid,
                    user.row.key,
                    reason,
                    detail,
                    column,
                    row_json,
                )
            )
            continue
        seen[user.username] = user.row.rowid
        report.record_issues(user.row)
        report.count(_import_user(user, report))


def _duplicate(user: LegacyUser, seen: dict[str, int]) -> tuple[str, str, str] | None:
    if user.username not in seen:
        return None
    detail = f"rowid {seen[user.username]} of the file has the same username"
    return DUPLICATE_KEY, detail, "username"


def _taken(user: LegacyUser) -> tuple[str, str, str] | None:
    exists = User.objects.filter(username=user.username).exists()
    if exists and imported_user(user.username) is None:
        detail = "a user with this name already exists here and was not imported"
        return USER_EXISTS, detail, "username"
    return None


def _import_user(user: LegacyUser, report: ConfigTableReport) -> Outcome:
    existing = imported_user(user.username)
    if existing is not None and owned_here(existing):
        report.notes.append(
            f"{user.username}: signed in here since the import; password and flags kept"
        )
        return "unchanged"
    name = {"username": user.username}
    outcome = upsert(User, name, {**name, **user.user_values()})
    owner = {"user_id": User.objects.get(**name).pk}
    flags = upsert(LegacyProfile, owner, {**owner, **user.profile_values()})
    if outcome == "unchanged" and flags != "unchanged":
        return "updated"
    return outcome


def legacy_user_ids(
    columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> dict[int, int]:
    """Legacy users rowid -> id of the user an import made of that row.

    A feed subscription's legacy ``user_id`` is the rowid of a legacy users row
    (the app was single-user and wrote 1).
    """
    layout = UserColumns(tuple(columns))
    by_name: dict[str, int] = {}
    for raw in rows:
        user = convert_user(layout, raw)
        if user.row.key is not None:
            by_name.setdefault(user.username, user.row.rowid)
    found = User.objects.filter(
        username__in=by_name, legacy_profile__isnull=False
    ).values_list("username", "pk")
    return {by_name[username]: pk for username, pk in found}


# --- the check ------------------------------------------------------------------------


def check_users(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], rejected: Collection[int]
) -> TableCheck:
    """Every legacy user is here as the import makes it, or recorded as rejected.

    Users who signed in here since own their password and flags: only their
    presence is checked.
    """
    check = TableCheck(USERS, len(rows))
    layout = UserColumns(tuple(columns))
    for raw in rows:
        if raw[0] in rejected:
            check.rejected += 1
            continue
        user = convert_user(layout, raw)
        account = None if user.problem else imported_user(user.username)
        if account is None:
            check.problems.append(
                f"{USERS} {user.row.shown_key}: not here, and no reject is recorded "
                "for it: run import_legacy_config again"
            )
            continue
        check.imported += 1
        if not owned_here(account):
            check.problems += _user_differences(user, account)
    return check


def _user_differences(user: LegacyUser, account: User) -> list[str]:
    found = {
        **{name: getattr(account, name) for name in user.user_values()},
        **LegacyProfile.objects.filter(user=account)
        .values(*user.profile_values())
        .get(),
    }
    expected = {**user.user_values(), **user.profile_values()}
    return [
        _difference(user.username, name, found[name], value)
        for name, value in expected.items()
        if found[name] != value
    ]


def _difference(username: str, name: str, found: Any, expected: Any) -> str:
    if name == "password":  # never print a hash
        return f"{USERS} {username}, password: not the legacy file's hash"
    return (
        f"{USERS} {username}, {name}: {found!r} here, the legacy file gives "
        f"{expected!r}"
    )
