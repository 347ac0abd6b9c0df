// Container health = the worker's /readyz (Postgres answers, IB connected when this worker holds the session, a
// recent cycle). Used by the Dockerfile's HEALTHCHECK and docker-compose.yml; Node has fetch, so no curl is needed.
const url = `http://127.0.0.1:${process.env.HTTP_PORT || 9464}/readyz`;
fetch(url, { signal: AbortSignal.timeout(4000) }).then(
  (res) => process.exit(res.status === 200 ? 0 : 1),
  () => process.exit(1),
);
