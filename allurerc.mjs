// Allure 3 configuration for `make conformance`: the report is grouped the way the
// suite is organised, API (epic) → area (feature) → requirement id (story).
import { defineConfig } from "allure";

export default defineConfig({
  name: "Polymarket cancel API conformance",
  plugins: {
    awesome: {
      options: {
        reportName: "Polymarket cancel API conformance",
        groupBy: ["epic", "feature", "story"],
      },
    },
  },
});
