# One image for every app role (api, worker, migrate, search-attributes); docker-compose.yml
# picks the command. Built in stages so the image holds compiled JavaScript and production
# packages only, and runs plain `node`.
#
# @temporalio/core-bridge ships its prebuilt native library inside the npm package (glibc x64 /
# arm64), which is why the image is Debian (bookworm) rather than Alpine (musl).

# ── build: every package, then `npm run build` → dist/ (tsc + the prebuilt workflow bundle) ──
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false
COPY package.json package-lock.json ./
RUN npm ci --no-audit
COPY . .
RUN npm run build

# ── production packages only (no typescript, tsx, test tools) ──
FROM node:20-bookworm-slim AS packages
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ── the image ──
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    # Listen on all interfaces inside the container (config defaults to 127.0.0.1 for dev).
    API_HOST=0.0.0.0 \
    API_PORT=3000 \
    # Built at image build time: the worker starts without bundling workflows/.
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
WORKDIR /app
COPY --from=packages /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Never run the app as root; the code is root-owned, so the app cannot change it either.
USER node
EXPOSE 3000
CMD ["node", "dist/api/server.js"]
