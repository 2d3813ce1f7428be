import type { NextConfig } from 'next';

// A static export served by the API's ingress (serve_apps/api/main.py): trailing slashes so
// Starlette finds dir/index.html; no image optimizer without a Node server.
const config: NextConfig = {
  output: 'export',
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
};

export default config;
