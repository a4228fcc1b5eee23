# The web app and the bank simulator (compose passes PACKAGE and PORT): one Dockerfile for the workspace's Node apps that
# are not services (each service has its own, as the foundation asked). Multi-stage from the monorepo root: stage 1
# builds the workspace and `pnpm deploy`s the package with its production dependencies into /out; stage 2 runs it as
# the unprivileged "node" user. Host, port and everything else come from compose's environment.
FROM node:20-bookworm-slim AS build
ARG PACKAGE
WORKDIR /repo
RUN npm install -g pnpm@10.34.8
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm -s build \
 && pnpm --filter "${PACKAGE}" deploy --prod --legacy /out

FROM node:20-bookworm-slim
ARG PORT
ENV HEALTH_PORT=${PORT}
WORKDIR /app
COPY --from=build --chown=node:node /out ./
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.HEALTH_PORT + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/main.js"]
