"""A burst of edits through the program's own write path, for the crash harness.

    python tests/crash/edits.py --data-dir D --run R --count N [--delay S]

Opens the database with ``models.db.Database.open`` (lock, start backup, migrations — as the
program does) and makes N edits, each in its own unit of work:

* a new enterprise ``崩溃测试R-i有限公司`` (models.subjects.save_enterprise),
* an existing enterprise's contact set to ``崩溃R-i`` (save_enterprise with ``record=``),
* an application moved to another stage with the reason ``崩溃测试R-i``
  (models.pipeline.move_application),

then ``uow.commit()`` and, only after the commit returned, the line ``committed R i`` (flushed).
The harness kills this process at a random moment and checks that every edit printed as
committed is in the database, whole, and that nothing else of this run is.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NAME = "崩溃测试{run}-{i}有限公司"
CONTACT = "崩溃{run}-{i}"
REASON = "崩溃测试{run}-{i}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--run", type=int, required=True)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--delay", type=float, default=0.0, help="seconds between edits")
    args = p.parse_args(argv)

    from sqlalchemy import select

    from models.db import Database
    from models.demo import make_credit_code
    from models.entities import Application, Enterprise
    from models.pipeline import move_application
    from models.stages import Stage
    from models.subjects import find_enterprise_by_code, save_enterprise

    rng = random.Random(args.run)
    db = Database.open(args.data_dir, user="崩溃测试")
    try:
        with db.uow() as uow:
            s = uow.session
            ent_ids = list(s.scalars(select(Enterprise.id).where(Enterprise.deleted_at.is_(None),
                                                                 ~Enterprise.name.like("崩溃测试%"))
                                     .order_by(Enterprise.id)))
            app_ids = list(s.scalars(select(Application.id).order_by(Application.id)))
        print("ready", flush=True)
        for i in range(args.count):
            with db.uow() as uow:
                s = uow.session
                code = make_credit_code(rng, "500112")
                while find_enterprise_by_code(s, code) is not None:
                    code = make_credit_code(rng, "500112")
                save_enterprise(s, {"name": NAME.format(run=args.run, i=i), "credit_code": code,
                                    "district_code": "500112", "contact": "测试"})
                old = s.get(Enterprise, ent_ids[(args.run * args.count + i) % len(ent_ids)])
                save_enterprise(s, {"contact": CONTACT.format(run=args.run, i=i)}, record=old)
                app = s.get(Application, app_ids[(args.run * args.count + i) % len(app_ids)])
                to = rng.choice([st for st in Stage if st is not app.stage])
                move_application(s, app, to, reason=REASON.format(run=args.run, i=i))
                uow.commit()
            print(f"committed {args.run} {i}", flush=True)
            if args.delay:
                time.sleep(args.delay)
    finally:
        db.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
