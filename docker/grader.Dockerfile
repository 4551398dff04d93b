# The grader image: `labkit grade` for one shard of a class (deploy/kubernetes/grading-job.yaml).
# Base pinned by exact tag; Python packages by requirements.txt, the lock CI tests.
FROM python:3.11.14-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/labkit
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY pyproject.toml README.md ./
COPY labkit ./labkit
RUN pip install --no-cache-dir --no-deps .

# Not root: learner code then runs as this same unprivileged user, in its own processes with
# resource limits (labkit/grading/limits.py); the pod's own limits bound the whole shard.
RUN useradd --create-home --uid 10001 grader
USER 10001
WORKDIR /home/grader
ENTRYPOINT ["labkit", "grade"]
