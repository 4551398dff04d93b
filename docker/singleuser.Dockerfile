# The learner's image for Zero to JupyterHub (deploy/hub/z2jh/values.yaml): JupyterLab, labkit,
# and the server extension that gives each learner's server its own embedded AWS backend.
#   docker build -f docker/singleuser.Dockerfile -t REGISTRY/labkit-singleuser:TAG .
# Base pinned by exact tag; Python packages by requirements.txt and requirements-hub.txt
# (jupyterhub, for jupyterhub-singleuser), the locks CI tests.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LABKIT_COURSE_DIR=/opt/labkit/course

# tini as PID 1 reaps orphaned processes (Lambda workers outliving a killed kernel).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/labkit
COPY requirements.txt requirements-hub.txt ./
RUN pip install --no-cache-dir -r requirements.txt -r requirements-hub.txt
COPY pyproject.toml README.md ./
COPY labkit ./labkit
RUN pip install --no-cache-dir --no-deps .
# Every Jupyter server in the image loads the labkit extension (a config file, not
# `jupyter server extension enable`: that only toggles extensions already in a config file).
COPY deploy/hub/jupyter_server_config.d/labkit-hub.json /usr/local/etc/jupyter/jupyter_server_config.d/
# What each learner's home gets a copy of at their first start (labkit/hub/course.py).
COPY notebooks ./course/notebooks
COPY labs ./course/labs

# Z2JH runs the server as uid 1000 (singleuser.uid) with the home volume on /home/jovyan.
RUN useradd --create-home --uid 1000 --gid 100 jovyan
USER 1000
ENV HOME=/home/jovyan
WORKDIR /home/jovyan
EXPOSE 8888
ENTRYPOINT ["tini", "--"]
CMD ["jupyterhub-singleuser"]
