"""labkit's settings for any JupyterHub: lesson 00 as the landing page, and where the course is.

The Littlest JupyterHub loads it as /opt/tljh/config/jupyterhub_config.d/labkit.py (after its
own settings, so this default_url wins over `user_environment.default_app`); tests/hub loads it
as it is. The labkit extension itself is enabled in the learners' environment
(deploy/hub/jupyter_server_config.d/labkit-hub.json), not here.
"""
c = get_config()  # noqa: F821 (JupyterHub defines it)

# The hub sends each learner here once their server is up (JUPYTERHUB_DEFAULT_URL).
c.Spawner.default_url = "/lab/tree/notebooks/00_start_here.ipynb"

# The extension copies notebooks/ and labs/ from here into each learner's home, once.
c.Spawner.environment.update({"LABKIT_COURSE_DIR": "/opt/labkit/course"})
