# JupyterLab for the LocalStack backend (docker-compose.yml, service "jupyter").
# Base image pinned by exact tag; Python packages pinned by requirements.txt (the same lock
# `make lab` installs), so the container runs exactly what CI tests.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /workspace

COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# labkit itself, editable: the compose file mounts the repository over /workspace, so
# the learner's checkout is what runs.
COPY pyproject.toml README.md ./
COPY labkit ./labkit
RUN pip install --no-cache-dir --no-deps -e .

EXPOSE 8888
# 0.0.0.0 inside the container; compose publishes it on the host's 127.0.0.1 only.
CMD ["jupyter", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser", "--allow-root", \
     "--ServerApp.root_dir=/workspace", "--LabApp.default_url=/lab/tree/notebooks", \
     "--LabApp.extension_manager=readonly"]
