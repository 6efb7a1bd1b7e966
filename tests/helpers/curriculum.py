"""A small curriculum file for catalog tests: one track, python → numpy → pandas, a
documentation page each."""

CODE_TRACK = """
[[track]]
slug = "code"
title = "Code"

[[skill]]
slug = "python"
track = "code"
title = "Python"
level = "beginner"
hours = 20
summary = "A language. Friendly."
[[skill.resources]]
title = "The Python Tutorial"
url = "https://docs.python.org/3/tutorial/"
kind = "docs"
free = true
minutes = 300

[[skill]]
slug = "numpy"
track = "code"
title = "NumPy"
level = "beginner"
hours = 10
summary = "Arrays. Fast ones."
prerequisites = ["python"]
[[skill.resources]]
title = "NumPy: the absolute basics"
url = "https://numpy.org/doc/stable/user/absolute_beginners.html"
kind = "docs"
free = true
minutes = 120

[[skill]]
slug = "pandas"
track = "code"
title = "pandas"
level = "beginner"
hours = 15
summary = "Tables. In Python."
prerequisites = ["numpy"]
[[skill.resources]]
title = "pandas: getting started"
url = "https://pandas.pydata.org/docs/getting_started/"
kind = "docs"
free = true
minutes = 120
"""
