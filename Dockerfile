# One image for every app role (api, worker, migrate); docker-compose.yml picks the command.
# No build step: the project runs TypeScript through tsx, so the image is source + node_modules.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    # Listen on all interfaces inside the container (config defaults to 127.0.0.1 for dev).
    API_HOST=0.0.0.0 \
    API_PORT=3000 \
    # npm's update check / funding notices only add noise and a network call to every `npx`.
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false

WORKDIR /app

# Dependencies first, in their own layer, so a source change doesn't reinstall them.
# --omit=dev: tsx (the runtime) is a regular dependency; typescript/@types are only for typecheck.
# @temporalio/core-bridge ships its prebuilt native library inside the npm package (glibc x64 /
# arm64), which is why the image is Debian (bookworm) rather than Alpine (musl).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit && npm cache clean --force

COPY --chown=node:node . .

# Never run the app as root.
USER node

EXPOSE 3000
CMD ["npx", "tsx", "api/server.ts"]
