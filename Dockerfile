# syntax=docker/dockerfile:1
# taskrunner image: the runtime lock (hashed) and the wheel, run as an unprivileged user.
# Build: docker build -t taskrunner .   Run with docker-compose.yml (migrations once, then serve).

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/taskrunner
# Dependencies first (cached until the lock changes), every file checked against its hash.
COPY requirements/runtime.lock requirements/runtime.lock
RUN /opt/taskrunner/bin/pip install --require-hashes -r requirements/runtime.lock
COPY pyproject.toml setup.py README.md ./
COPY alembic ./alembic
COPY app ./app
RUN /opt/taskrunner/bin/pip wheel --no-deps --wheel-dir /tmp/wheels . \
    && /opt/taskrunner/bin/pip install --no-deps /tmp/wheels/taskrunner-*.whl

FROM python:3.11-slim AS runtime
ENV PATH=/opt/taskrunner/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    LOG_FORMAT=json \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite+aiosqlite:////var/lib/taskrunner/taskrunner.db
RUN groupadd --system --gid 10001 taskrunner \
    && useradd --system --uid 10001 --gid taskrunner --home-dir /var/lib/taskrunner --create-home taskrunner
COPY --from=build /opt/taskrunner /opt/taskrunner
WORKDIR /var/lib/taskrunner
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '8000'), timeout=4)"]
# Migrations are a separate one-shot step per deploy (`taskrunner migrate`, the compose `migrate` service).
CMD ["taskrunner", "serve", "--no-migrate"]
