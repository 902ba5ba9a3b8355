"""Whatever words a user types, arguments come back as values or a usage error (exit 2) — never exit 70.

FUZZ_EXAMPLES=5000 for a longer hunt (this is how surrogates from non-UTF-8 argv bytes, 5,000-digit integers
and deep nesting were found)."""

from __future__ import annotations

import contextlib
import io
import os
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cpictl.cli.main import main
from cpictl.protocol.catalogue import METHOD_NAMES, get_method
from cpictl.recipes.sources import VarAssignmentError, parse_var_assignment
from cpictl.wordargs import InputError, load_yaml_text, parse_cli_arguments, parse_context_pairs, parse_env_pairs

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ALPHABET = string.printable + "-:{}[]&*!|>'\"%@`#,?\x00\x85\u2028\ufeff\udc80é☃"
WORDS = st.one_of(
    st.text(alphabet=ALPHABET, max_size=30),
    st.sampled_from(["@/dev/null", "@/", "@", "null", "~", "!!binary x", "&a [*a]", "*x", "{<<: [1]}", "? a",
                     "--- a\n--- b", "%YAML 1.1\n--- a", "!!python/name:os.system", "{a: !!set {x}}", "1e400",
                     "0x1F", "1_000", ".Inf", "2001-01-01T00:00:00", "[" * 70, "9" * 5000, "${vm}", "${", "a=b",
                     "size=1", "cloud_properties={a: 1}"]))


@FUZZ
@given(method=st.sampled_from(sorted(METHOD_NAMES)), words=st.lists(WORDS, max_size=5),
       api_version=st.sampled_from([None, 1, 2]))
def test_arbitrary_words_as_arguments(method, words, api_version):
    with contextlib.suppress(InputError):
        parse_cli_arguments(get_method(method), words, api_version)


@FUZZ
@given(pairs=st.lists(WORDS, max_size=3))
def test_arbitrary_context_env_and_var_pairs(pairs):
    for parse, errors in ((parse_context_pairs, InputError), (parse_env_pairs, InputError),
                          (lambda given: [parse_var_assignment(pair) for pair in given], VarAssignmentError)):
        with contextlib.suppress(errors):
            parse(pairs)


@FUZZ
@given(text=WORDS)
def test_arbitrary_yaml_text(text):
    with contextlib.suppress(InputError):
        load_yaml_text(text, "x")


@FUZZ
@given(method=st.sampled_from([*sorted(METHOD_NAMES), "bogus"]), words=st.lists(WORDS, max_size=4),
       options=st.lists(st.tuples(st.sampled_from(["--context", "--env", "--api-version"]), WORDS), max_size=2))
def test_a_whole_call_never_ends_in_an_internal_error(method, words, options):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["call", method, *words, *[word for option in options for word in option], "--dry-run", "-o",
                     "json"])
    assert code in (0, 2), err.getvalue()
    assert "internal error" not in err.getvalue()
