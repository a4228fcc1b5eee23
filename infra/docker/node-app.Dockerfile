# Every Node app of the workspace: the five services, the web app and the bank simulator. Compose passes PACKAGE (the
# workspace package) and PORT (where it listens). Multi-stage from the monorepo root: stage 1 builds the workspace and
# `pnpm deploy`s the package with its production dependencies into /out; stage 2 runs it as the unprivileged "node"
# user. Production mode and the listening address are the image's defaults; everything else comes from the environment.
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
ENV NODE_ENV=production HOST=0.0.0.0 PORT=${PORT} HEALTH_PORT=${PORT}
WORKDIR /app
COPY --from=build --chown=node:node /out ./
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.HEALTH_PORT + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["node", "dist/main.js"]
