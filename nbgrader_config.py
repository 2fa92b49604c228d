"""nbgrader configuration of the book's labs.

The course root is the directory nbgrader runs in: the repository root. Lab sources live
in ``labs/<lab_id>/<lab_id>.ipynb``, so from the root

    nbgrader generate_assignment lab01_linear_regression   # -> release/lab01_linear_regression/
    nbgrader autograde lab01_linear_regression            # grades submitted/<student>/lab01_linear_regression/

The working folders nbgrader creates (release/, submitted/, autograded/, feedback/,
gradebook.db) are ignored by git. tests/test_labs.py runs the same steps in a
temporary copy of this layout.
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

# Execution while autograding, seconds per cell: a lab runs in seconds, so a stuck cell
# is a bug. nbgrader's Execute preprocessor has its own default (30 s), so set both.
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120
