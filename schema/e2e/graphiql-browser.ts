// GraphiQL in a real browser: Debian's Chromium, headless, driven by playwright-core (never
// a downloaded browser). Opens the page, runs a query with the prefilled dev token, and
// waits for the expected text in the result pane. Any request to a host other than
// loopback fails the run (GraphiQL must work offline), and so does any violation of the
// page's Content-Security-Policy.
//
//   NEXUS_GRAPHIQL_URL=http://127.0.0.1:8000/graphql npm run browser
//
// Optional: NEXUS_QUERY, NEXUS_EXPECT (text the result must show), NEXUS_SCREENSHOT (a
// PNG path), CHROMIUM (the browser binary, default /usr/bin/chromium).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

import { chromium } from "playwright-core";

const url = process.env["NEXUS_GRAPHIQL_URL"];
if (!url) {
  console.error("set NEXUS_GRAPHIQL_URL");
  process.exit(2);
}
const query = process.env["NEXUS_QUERY"] ?? "{ viewer { defaultLibrary { name } } }";
const expected = process.env["NEXUS_EXPECT"] ?? "My Library";
const screenshot = process.env["NEXUS_SCREENSHOT"];

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const outside: string[] = [];
const problems: string[] = [];

const browser = await chromium.launch({
  executablePath: process.env["CHROMIUM"] ?? "/usr/bin/chromium",
  headless: true,
  // Without the background-networking flags Chromium dials Google's hosts at start.
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.route("**/*", async (route) => {
    const target = new URL(route.request().url());
    if (target.protocol === "data:" || LOOPBACK.has(target.hostname)) return route.continue();
    outside.push(target.href);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  // Runs before the page's own scripts and outside its CSP: records every violation.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
    });
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => console.log(`console ${message.type()}: ${message.text()}`));
  page.on("websocket", (socket) => console.log(`websocket ${socket.url()}`));

  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector(".graphiql-query-editor .CodeMirror", { timeout: 20_000 });
  // Local development: the headers editor opens with the dev token.
  const prefilled = await page.evaluate(
    () => document.querySelector(".graphiql-editor-tool")?.textContent?.includes("Bearer ey"),
  );
  if (!prefilled) problems.push("the headers editor has no Authorization: Bearer token");
  await page.evaluate((text) => {
    const editor = document.querySelector(".graphiql-query-editor .CodeMirror") as Element & {
      CodeMirror: { setValue(value: string): void };
    };
    editor.CodeMirror.setValue(text);
  }, query);
  // GraphiQL parses the editor's text after a short debounce, and chooses WebSocket for a
  // subscription from that parsed document: clicking at once would send the old one's way.
  await page.waitForTimeout(1_000);
  await page.click(".graphiql-execute-button");
  await page.waitForFunction(
    (text) => document.querySelector(".graphiql-response")?.textContent?.includes(text) ?? false,
    expected,
    { timeout: 20_000 },
  );
  const result = await page.evaluate(
    () => document.querySelector(".graphiql-response")?.textContent ?? "",
  );
  console.log(`result pane: ${result.replace(/\s+/g, " ").trim()}`);
  if (screenshot) {
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot });
    console.log(`screenshot: ${screenshot}`);
  }
  const violations = await page.evaluate(
    () => (window as unknown as { cspViolations: string[] }).cspViolations,
  );
  problems.push(...violations.map((violation) => `CSP violation: ${violation}`));
} catch (error) {
  problems.push(`failed: ${error instanceof Error ? error.message : String(error)}`);
  const pane = await browser.contexts()[0]?.pages()[0]?.evaluate(
    () => document.querySelector(".graphiql-response")?.textContent ?? "(no response pane)",
  );
  problems.push(`response pane: ${(pane ?? "").replace(/\s+/g, " ").trim().slice(0, 300)}`);
} finally {
  await browser.close();
}

problems.push(...outside.map((href) => `request outside loopback: ${href}`));
for (const problem of problems) console.log(problem);
console.log(problems.length === 0 ? "graphiql ok" : `graphiql failed: ${problems.length} problems`);
process.exit(problems.length === 0 ? 0 : 1);
