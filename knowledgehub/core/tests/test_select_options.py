"""``{% select_options %}``: the same <option> HTML a template loop would make, escaped."""

from __future__ import annotations

from collections import namedtuple

from django.template import Context, Template

from knowledgehub.core.templatetags.kh import select_options

Choice = namedtuple("Choice", ["code", "name"])


def test_marks_the_selected_choice_and_escapes_everything() -> None:
    choices = [Choice("a&b", "Alpha <b>"), Choice("c", 'Say "hi"')]
    html = select_options(choices, "code", "name", "c")
    assert html == (
        '<option value="a&amp;b">Alpha &lt;b&gt;</option>'
        '<option value="c" selected>Say &quot;hi&quot;</option>'
    )


def test_plain_strings_are_both_value_and_label() -> None:
    assert select_options(["North West", "Wales"], "", "", "Wales") == (
        '<option value="North West">North West</option>'
        '<option value="Wales" selected>Wales</option>'
    )


def test_matches_the_template_loop_it_replaces() -> None:
    choices = [Choice("E08000009", "Trafford"), Choice("W06000015", "Bro Morgannwg's <vale>")]
    loop = Template(
        '{% for o in choices %}<option value="{{ o.code }}"{% if o.code == selected %} selected'
        "{% endif %}>{{ o.name }}</option>{% endfor %}"
    )
    tag = Template('{% load kh %}{% select_options choices "code" "name" selected %}')
    for selected in ("", "W06000015"):
        context = {"choices": choices, "selected": selected}
        assert tag.render(Context(context)) == loop.render(Context(context))
