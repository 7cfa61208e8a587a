# policybot: the Discord bot with its curated knowledge bundled.
#   docker build -t policybot .
#   docker run -d --name policybot -e DISCORD_TOKEN=... -v policybot-data:/data policybot
# See docs/DEPLOY.md. tests/deploy/test_docker_install.py lints this file and replays its
# pip steps in a fresh virtual environment, so keep every install step a plain RUN.

# A tag, not :latest, so a rebuild gets the same Python minor and Debian release.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH="/opt/venv/bin:$PATH"

# A virtual environment keeps the bot's packages apart from the image's own Python and lets
# the install run as root without pip's warnings; PATH puts `policybot` on the command line.
RUN python -m venv /opt/venv

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so editing the code or the knowledge reuses
# this layer instead of downloading discord.py and friends again.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The package and its knowledge, installed as a wheel: the knowledge is copied into the
# package (bot/_bundled_knowledge), which is where an installed policybot looks for it.
COPY bot/ ./bot/
COPY knowledge/ ./knowledge/
RUN pip install --no-cache-dir --no-deps .

# An unprivileged user owning only the data directory (database and hash key). USER below
# names it by number so runtimes that enforce runAsNonRoot can verify it without /etc/passwd.
RUN groupadd --system --gid 10001 policybot \
    && useradd --system --uid 10001 --gid policybot --home-dir /data --shell /usr/sbin/nologin policybot \
    && mkdir /data \
    && chown policybot:policybot /data

ENV POLICYBOT_DATA_DIR=/data
VOLUME ["/data"]
WORKDIR /data
USER 10001:10001

# The bot beats every ~30 s; `policybot health` fails after 120 s without one. The start
# period covers login and the first beat.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["policybot", "health"]

ENTRYPOINT ["policybot"]
CMD ["run"]
