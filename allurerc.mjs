// Allure 3 configuration for `make conformance` and `make nightly`: one self-contained
// index.html that opens from disk, grouped the way the suite is organised, API (epic) →
// area (feature) → requirement id (story). The nightly run sets CONFORMANCE_ALLURE_HISTORY
// to keep Allure's history (trends, flaky and new failures) from run to run.
import { defineConfig } from "allure";

export default defineConfig({
  name: "Polymarket cancel API conformance",
  historyPath: process.env.CONFORMANCE_ALLURE_HISTORY || undefined,
  plugins: {
    awesome: {
      options: {
        reportName: "Polymarket cancel API conformance",
        singleFile: true,
        groupBy: ["epic", "feature", "story"],
      },
    },
  },
});
