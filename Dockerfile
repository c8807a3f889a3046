# mockbsc as a sidecar: the BSC API on port 8080, configured by MOCKBSC_* variables.
#   docker build -t mockbsc .
#   docker run --rm -p 8080:8080 mockbsc
# Own fixtures: -v "$PWD/fleet.yaml:/fixtures/fleet.yaml:ro" -e MOCKBSC_FIXTURES=/fixtures/fleet.yaml
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin mockbsc

WORKDIR /src
COPY pyproject.toml README.md ./
COPY mockbsc ./mockbsc
COPY contracts ./contracts
COPY fixtures ./fixtures
RUN pip install --no-cache-dir . && rm -rf /src

WORKDIR /home/mockbsc
USER mockbsc

ENV MOCKBSC_PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('MOCKBSC_PORT', '8080') + '/health', timeout=2)"]

ENTRYPOINT ["mockbsc", "serve", "--host", "0.0.0.0"]
