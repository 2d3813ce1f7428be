import { defineConfig } from '@hey-api/openapi-ts';

// The typed client, generated from the API's OpenAPI document (../serve_apps/api/openapi.py).
// Never edit src/client by hand: `npm run generate-client` rewrites it.
export default defineConfig({
  input: './openapi.json',
  output: { path: './src/client' },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
});
