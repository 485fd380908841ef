"""knowledgehub.lib.env: typed settings from the environment that fail loudly, by name."""

from __future__ import annotations

import os

import pytest

from knowledgehub.lib.env import (
    EnvError,
    env_bool,
    env_int,
    env_list,
    env_required,
    env_str,
    load_env_file,
)


@pytest.fixture(autouse=True)
def environ(monkeypatch):
    """A private copy of the environment, so nothing a test sets (or loads) leaks out."""
    copy = {k: v for k, v in os.environ.items() if not k.startswith("KHT_")}
    monkeypatch.setattr(os, "environ", copy)
    return copy


@pytest.mark.parametrize("value", ["1", "true", "True", "YES", "on", " yes "])
def test_true_values(monkeypatch, value):
    monkeypatch.setenv("KHT_FLAG", value)
    assert env_bool("KHT_FLAG", False) is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "off", "", "  "])
def test_false_values(monkeypatch, value):
    monkeypatch.setenv("KHT_FLAG", value)
    assert env_bool("KHT_FLAG", True) is False


def test_bool_default_when_unset():
    assert env_bool("KHT_FLAG") is False
    assert env_bool("KHT_FLAG", True) is True


@pytest.mark.parametrize("value", ["maybe", "2", "y", "enabled"])
def test_bad_bool_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("KHT_FLAG", value)
    with pytest.raises(EnvError, match=r"KHT_FLAG=.* is not a boolean"):
        env_bool("KHT_FLAG")


@pytest.mark.parametrize(("value", "expected"), [("42", 42), ("-3", -3), (" 7 ", 7), ("0", 0)])
def test_ints(monkeypatch, value, expected):
    monkeypatch.setenv("KHT_NUMBER", value)
    assert env_int("KHT_NUMBER", 99) == expected


@pytest.mark.parametrize("value", [None, "", "   "])
def test_int_default_when_unset_or_blank(monkeypatch, value):
    if value is not None:
        monkeypatch.setenv("KHT_NUMBER", value)
    assert env_int("KHT_NUMBER", 99) == 99


@pytest.mark.parametrize("value", ["ten", "4.5", "1e3", "0x10", "12abc"])
def test_bad_int_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("KHT_NUMBER", value)
    with pytest.raises(EnvError, match=r"KHT_NUMBER=.* is not an integer"):
        env_int("KHT_NUMBER", 1)


def test_env_error_is_a_value_error():
    assert issubclass(EnvError, ValueError)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a.example,b.example", ["a.example", "b.example"]),
        (" a.example , ,b.example,, ", ["a.example", "b.example"]),
        ("single", ["single"]),
        ("", []),
        (" , ", []),
    ],
)
def test_lists(monkeypatch, value, expected):
    monkeypatch.setenv("KHT_HOSTS", value)
    assert env_list("KHT_HOSTS", ["default"]) == expected


def test_list_default_is_a_fresh_copy():
    default = ["127.0.0.1"]
    result = env_list("KHT_HOSTS", default)
    assert result == ["127.0.0.1"]
    result.append("changed")
    assert default == ["127.0.0.1"]
    assert env_list("KHT_HOSTS") == []


def test_strings_and_required(monkeypatch):
    assert env_str("KHT_NAME") == ""
    assert env_str("KHT_NAME", "fallback") == "fallback"
    monkeypatch.setenv("KHT_NAME", "")
    assert env_str("KHT_NAME", "fallback") == ""  # set but empty is still set
    with pytest.raises(EnvError, match="KHT_NAME must be set"):
        env_required("KHT_NAME")
    monkeypatch.delenv("KHT_NAME")
    with pytest.raises(EnvError, match="KHT_NAME must be set"):
        env_required("KHT_NAME")
    monkeypatch.setenv("KHT_NAME", "value")
    assert env_required("KHT_NAME") == "value"


def test_file_secret_is_read_and_stripped(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret-value\n", encoding="utf-8")
    monkeypatch.setenv("KHT_SECRET_FILE", str(secret))
    assert env_str("KHT_SECRET") == "s3cret-value"
    assert env_required("KHT_SECRET") == "s3cret-value"


def test_file_wins_over_the_plain_variable(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv("KHT_SECRET", "from-env")
    monkeypatch.setenv("KHT_SECRET_FILE", str(secret))
    assert env_str("KHT_SECRET") == "from-file"


def test_file_works_for_every_type(monkeypatch, tmp_path):
    for name, content in [("KHT_FLAG", "yes"), ("KHT_NUMBER", "587"), ("KHT_HOSTS", "a,b")]:
        path = tmp_path / name
        path.write_text(content + "\n", encoding="utf-8")
        monkeypatch.setenv(f"{name}_FILE", str(path))
    assert env_bool("KHT_FLAG") is True
    assert env_int("KHT_NUMBER", 25) == 587
    assert env_list("KHT_HOSTS") == ["a", "b"]


def test_bad_value_in_a_file_names_the_variable(monkeypatch, tmp_path):
    path = tmp_path / "port"
    path.write_text("twenty-five", encoding="utf-8")
    monkeypatch.setenv("KHT_NUMBER_FILE", str(path))
    with pytest.raises(EnvError, match="KHT_NUMBER"):
        env_int("KHT_NUMBER", 25)


@pytest.mark.parametrize("problem", ["missing", "directory"])
def test_unreadable_file_names_the_variable(monkeypatch, tmp_path, problem):
    path = tmp_path / "nowhere" if problem == "missing" else tmp_path
    monkeypatch.setenv("KHT_SECRET_FILE", str(path))
    with pytest.raises(EnvError, match=r"KHT_SECRET_FILE=.* cannot be read"):
        env_str("KHT_SECRET")


def test_load_env_file(environ, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "\n".join(
            [
                "# a comment",
                "",
                "KHT_PLAIN=value",
                "  KHT_SPACED  =  spaced value  ",
                'KHT_DOUBLE="quoted # not a comment"',
                "KHT_SINGLE='single'",
                "KHT_EQUALS=postgres://u:p@h/db?sslmode=require&a=b",
                "KHT_EMPTY=",
                'KHT_ONE_QUOTE="',
                "KHT_KEPT=from-file",
            ]
        ),
        encoding="utf-8",
    )
    environ["KHT_KEPT"] = "from-environment"
    load_env_file(env_file)
    assert environ["KHT_PLAIN"] == "value"
    assert environ["KHT_SPACED"] == "spaced value"
    assert environ["KHT_DOUBLE"] == "quoted # not a comment"
    assert environ["KHT_SINGLE"] == "single"
    assert environ["KHT_EQUALS"] == "postgres://u:p@h/db?sslmode=require&a=b"
    assert environ["KHT_EMPTY"] == ""
    assert environ["KHT_ONE_QUOTE"] == '"'
    assert environ["KHT_KEPT"] == "from-environment"  # the real environment wins


def test_missing_env_file_is_ignored(environ, tmp_path):
    before = dict(environ)
    load_env_file(tmp_path / ".env")
    load_env_file(tmp_path)  # a directory is not a file either
    assert environ == before


@pytest.mark.parametrize(
    ("line", "number"),
    [("JUST_A_WORD", 2), ("export KHT_X=1", 2), ("=value", 2), ("KHT-DASH=1", 2), ("1ABC=2", 2)],
)
def test_bad_env_file_line_names_the_file_and_line(environ, tmp_path, line, number):
    env_file = tmp_path / ".env"
    env_file.write_text(f"KHT_FIRST=1\n{line}\nKHT_LAST=1\n", encoding="utf-8")
    with pytest.raises(EnvError, match=rf"\.env:{number}: expected KEY=VALUE"):
        load_env_file(env_file)
    assert "KHT_LAST" not in environ


def test_the_example_env_file_loads_and_parses(environ):
    from django.conf import settings

    load_env_file(settings.BASE_DIR / ".env.example")
    assert environ["SECRET_KEY"]
    for name in ("HTTPS", "DEBUG", "BEHIND_PROXY"):
        env_bool(name)
    assert env_list("ALLOWED_HOSTS")
