# mockbsc as a sidecar: the BSC API on port 8080, configured by MOCKBSC_* variables.
#   docker build -t mockbsc .
#   docker run --rm -p 8080:8080 mockbsc
# Own fixtures: -v "$PWD/fleet.yaml:/fixtures/fleet.yaml:ro" -e MOCKBSC_FIXTURES=/fixtures/fleet.yaml
# The healthcheck's --start-interval needs Docker Engine 25 or later.
FROM python:3.11-slim

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="mockbsc" \
      org.opencontainers.image.description="Stateful mock server and contract-test kit of the Telekom Business Smart Connect (1NCE) Management API" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin mockbsc

WORKDIR /src
# Dependencies first, in a layer of their own: a change to mockbsc's code reuses it.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && pip install --no-cache-dir -r requirements.txt
COPY README.md ./
COPY mockbsc ./mockbsc
COPY contracts ./contracts
COPY fixtures ./fixtures
RUN pip install --no-cache-dir --no-deps . && rm -rf /src

WORKDIR /home/mockbsc
USER mockbsc

ENV MOCKBSC_PORT=8080
EXPOSE 8080
# Probed every second while starting (healthy within about a second: CI service containers
# wait for it), every 30 s after.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --start-interval=1s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('MOCKBSC_PORT', '8080') + '/health', timeout=2)"]

ENTRYPOINT ["mockbsc", "serve", "--host", "0.0.0.0"]
