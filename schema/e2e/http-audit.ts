// The graphql-http package's server audits (GraphQL over HTTP spec conformance) against a
// running Nexus API. Every audit request carries a real bearer token, so the audit reaches
// the GraphQL layer instead of stopping at authentication.
//
//   NEXUS_URL=http://127.0.0.1:8000/graphql NEXUS_TOKEN=… npm run audit
//
// Prints one line per audit, then `MUST a/b, SHOULD c/d, MAY e/f`, then one JSON line with
// every result ({"results": [{id, name, status, reason?}]}). Exits 1 when a MUST fails.
import { serverAudits } from "graphql-http";

const url = process.env["NEXUS_URL"];
const token = process.env["NEXUS_TOKEN"];
if (!url || !token) {
  console.error("set NEXUS_URL and NEXUS_TOKEN");
  process.exit(2);
}

const fetchWithToken = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const headers = new Headers(init?.headers);
  headers.set("authorization", `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const levels = ["MUST", "SHOULD", "MAY"] as const;
const counts = Object.fromEntries(levels.map((level) => [level, { ok: 0, all: 0 }]));
const results: { id: string; name: string; status: string; reason?: string }[] = [];

for (const audit of serverAudits({ url, fetchFn: fetchWithToken })) {
  const result = await audit.fn();
  const level = audit.name.split(" ")[0] as (typeof levels)[number];
  const count = counts[level]!;
  count.all += 1;
  if (result.status === "ok") {
    count.ok += 1;
    results.push({ id: audit.id, name: audit.name, status: "ok" });
    console.log(`ok     ${audit.id} ${audit.name}`);
  } else {
    results.push({ id: audit.id, name: audit.name, status: result.status, reason: result.reason });
    console.log(`${result.status.padEnd(6)} ${audit.id} ${audit.name}: ${result.reason}`);
  }
}

console.log(levels.map((l) => `${l} ${counts[l]!.ok}/${counts[l]!.all}`).join(", "));
console.log(JSON.stringify({ results }));
const mustFailed = results.some((r) => r.status !== "ok" && r.name.startsWith("MUST"));
process.exit(mustFailed ? 1 : 0);
