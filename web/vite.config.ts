import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The console is built into the panoptes binary (crates/panoptes-server/build.rs passes
// --outDir); `npm run dev` proxies the API to a running `panoptes demo`.
export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
  test: { environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"] },
});
