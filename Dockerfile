# The same image runs web (gunicorn), the Celery worker and beat; docker-compose.yml picks the command.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.13-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000 \
    BIND_HOST=0.0.0.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 app
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY --from=assets /app/node_modules ./node_modules
COPY . .
# Build-time only values: collectstatic and compilemessages need settings to import.
RUN SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    python manage.py compilemessages --ignore=node_modules -v0 \
 && SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    python manage.py collectstatic --no-input -v0 \
 && mkdir -p /data/media && chown -R app:app /data
USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
