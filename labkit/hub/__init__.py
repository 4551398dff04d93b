"""labkit in a JupyterHub: one embedded backend per learner's Jupyter server (extension.py),
answering only that learner (labkit/emulator/access_guard.py), with the course copied into
their home (course.py). Recipes and the instructor guide: deploy/hub/."""
