# The production image: gunicorn for web (nginx in front, see docker-compose.yml); the
# same image runs the migrations, the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH="/opt/venv/bin:$PATH"

RUN pip install --no-cache-dir "uv==0.13.9"
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
# var/ is the portal's (beat's schedule, uploaded lesson files in the media volume).
RUN useradd --system --home /app portal && mkdir -p /app/var/media && chown -R portal /app/var
COPY . .
# The build step, the same script CI's production-shape stage runs (.ci/production-shape
# runs every RUN after `COPY . .`).
RUN deploy/build

USER portal
EXPOSE 8000
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "--bind", "0.0.0.0:8000", "portal.wsgi:application"]
