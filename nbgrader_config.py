"""nbgrader configuration of the book's labs.

The course root is the directory nbgrader runs in: the repository root. Lab sources live
in ``labs/<lab_id>/<lab_id>.ipynb``; from the root, book/instructor_guide.md goes through

    nbgrader generate_assignment lab01_linear_regression          # -> release/lab01_linear_regression/
    python -m helpers.labs check lab01_linear_regression         # look at submitted/<student>/lab01_.../
    python -m helpers.labs autograde lab01_linear_regression     # sandboxed -> autograded/, gradebook.db
    nbgrader export --to grades.csv                              # one row per student and lab, flagged
    nbgrader generate_feedback lab01_linear_regression           # -> feedback/, without the hidden tests

The working folders (release/, submitted/, autograded/, feedback/, .grading/,
gradebook.db, .nbgrader.log) are ignored by git. The tests run the same steps in a
temporary copy of this layout. Classes from ``helpers.labs`` fill gaps in nbgrader; they
are named as strings so that nbgrader imports them only when it needs them.
"""

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "dlbook"
c.CourseDirectory.source_directory = "labs"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# What replaces the ### BEGIN SOLUTION ... ### END SOLUTION regions in the student version.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execution while autograding, seconds per cell. A lab's cells run in a few seconds, so a
# cell still running after a minute is stuck: it is interrupted, its test scores 0, the
# rest of the notebook is graded, and the gradebook flags it `timed_out`. Override on the
# command line, e.g. `python -m helpers.labs autograde lab01_linear_regression --timeout 300`.
# nbgrader's Execute preprocessor has its own default (30 s), so set both.
c.ExecutePreprocessor.timeout = 60
c.Execute.timeout = 60
# After a cell finishes, how long to wait for the last of its outputs. nbgrader's default
# (4 s) fails the whole notebook on a busy machine, where outputs can lag behind.
c.Execute.iopub_timeout = 30

# nbgrader's log, read by `nbgrader export` to tell why a submission could not be graded
# (e.g. the kernel died).
c.NbGrader.logfile = ".nbgrader.log"

# The sandbox of `python -m helpers.labs autograde` (bubblewrap; see the instructor guide).
# Limits per process of a submission: a lab needs well under 2 GiB and a minute or two of
# CPU time. A cell that allocates more gets a MemoryError (flagged `memory_limit`); a
# kernel past the CPU time is killed (flagged `kernel_died`).
c.LabSandbox.memory_mb = 4096
c.LabSandbox.cpu_seconds = 900
# c.LabSandbox.bwrap = "/usr/bin/bwrap"     # where bubblewrap is, if not on PATH
# c.LabSandbox.threads = 0                  # NumPy/PyTorch threads per kernel; 0: cores / --jobs

# Autograde: before nbgrader overwrites locked cells with the originals, put back the
# locked cells (tests included) that a student deleted or whose id they changed.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "helpers.labs.RestoreMissingCells",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# ... and after running the notebook, a test cell's stderr (a warning, a progress bar)
# does not cost points: only an error does (nbgrader alone scores such a cell 0).
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "helpers.labs.StderrIsNotFailure",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback: nbgrader's HTML feedback would show the hidden tests; this one does not.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "helpers.labs.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Export: one CSV row per student and lab with a `status` flag and a note
# (`nbgrader export --to grades.csv`; the flags are explained in the instructor guide).
c.ExportApp.plugin_class = "helpers.labs.FlaggedCsvExport"
