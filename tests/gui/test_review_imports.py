"""The 初审 tab and the evaluator registry open without the rule machinery: it is imported when
checks run, and the tab's 待初审 stages stay those the runner checks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_review_stages_match_the_runner():
    from desktop.views import review
    from forms.rules import runner

    assert review.REVIEW_STAGES == runner.REVIEW_STAGES


def test_views_import_without_the_rule_runner():
    code = ("import sys; import desktop.views.review, desktop.views.evaluators; "
            "print(sorted(m for m in ('forms.rules.runner', 'forms.rules.checks', 'models.review_facts') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "[]"
