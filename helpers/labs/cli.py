"""The kit's command line: ``python -m helpers.labs COMMAND``, run from the course root.

    python -m helpers.labs check LAB...            # look at submitted/ before grading
    python -m helpers.labs autograde LAB [--student S]... [--jobs N] [--timeout SECONDS]
                                         [--force] [--unsafe-no-sandbox]
    python -m helpers.labs student-versions [--check]   # book/labs/<lab_id>.ipynb

Exit status: 0 all is well; 1 problems were listed (check) or some submissions could
not be graded (autograde); 2 the command could not run at all (the message says why).
"""

import argparse
import sys

import nbformat

from .course import UNGRADED, LabError, load_course


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m helpers.labs",
        description="The instructor kit's commands (see book/instructor_guide.md).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    checker = commands.add_parser(
        "check", help="list problems in submitted/ before autograding"
    )
    checker.add_argument("lab_ids", nargs="+")
    checker.add_argument("--course", default=".", help="course root (default: here)")
    grader = commands.add_parser(
        "autograde", help="grade a lab's submissions, each in its own sandbox"
    )
    grader.add_argument("lab_id")
    grader.add_argument(
        "--student",
        action="append",
        default=[],
        help="grade only this student (repeatable)",
    )
    grader.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="grade this many students at once (default 1)",
    )
    grader.add_argument(
        "--timeout",
        type=int,
        default=None,
        help="seconds per cell (default: c.Execute.timeout in nbgrader_config.py)",
    )
    grader.add_argument(
        "--force", action="store_true", help="grade again submissions already graded"
    )
    grader.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="run students' code without bubblewrap, with your rights (only for code you trust)",
    )
    grader.add_argument("--course", default=".", help="course root (default: here)")
    versions = commands.add_parser(
        "student-versions", help="write book/labs/<lab_id>.ipynb"
    )
    versions.add_argument(
        "--check", action="store_true", help="only report which are out of date"
    )
    versions.add_argument("--root", default=None, help="repository root")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            from .check import check

            course, problems = load_course(args.course), 0
            for lab in args.lab_ids:
                who, lines = check(course, lab)
                print(f"{lab}: {len(who)} submission(s), {len(lines)} problem(s)")
                print("".join(f"  {line}\n" for line in lines), end="")
                problems += len(lines)
            return 1 if problems else 0
        if args.command == "autograde":
            from .autograde import autograde

            if args.jobs < 1:
                raise LabError(f"--jobs must be 1 or more, got {args.jobs}")
            outcome = autograde(
                load_course(args.course),
                args.lab_id,
                only=args.student,
                jobs=args.jobs,
                unsafe_no_sandbox=args.unsafe_no_sandbox,
                timeout=args.timeout,
                force=args.force,
            )
            failed = [s for s, (flags, _) in outcome.items() if set(flags) & UNGRADED]
            print(
                f"{args.lab_id}: {len(outcome) - len(failed)} graded, {len(failed)} could not be graded"
                f"{' (' + ', '.join(failed) + ')' if failed else ''}; "
                "run `nbgrader export` for the flagged gradebook"
            )
            return 1 if failed else 0
        from pathlib import Path

        from .student_versions import ROOT, stale_student_versions, student_versions

        root = Path(args.root or ROOT)
        stale = stale_student_versions(root, student_versions(root))
        for path, nb in stale.items():
            print(
                f"{'out of date' if args.check else 'writing'}: {path.relative_to(root)}"
            )
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, path)
        if not stale:
            print("all student versions are up to date")
        return 1 if stale and args.check else 0
    except LabError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
