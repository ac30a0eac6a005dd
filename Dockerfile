FROM python:3.11-slim
WORKDIR /srv/taskrunner
ENV PYTHONUNBUFFERED=1 LITELLM_LOCAL_MODEL_COST_MAP=True
COPY requirements.lock pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY app ./app
RUN pip install --no-cache-dir -r requirements.lock && pip install --no-cache-dir --no-deps -e .
EXPOSE 8000
CMD ["taskrunner", "serve"]
