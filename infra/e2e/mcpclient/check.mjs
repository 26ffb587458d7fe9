// Drives Flux's MCP server with the official MCP TypeScript SDK client
// (Client + StreamableHTTPClientTransport, the API key in requestInit
// headers). infra/e2e/mcp_test.go starts the local stack, computes the
// GraphQL/REST answers and compares them with what this script prints.
//
// stdin: {"url": ".../api/mcp", "key": "...", "readOnlyKey": "...",
//         "calls": [{"name": "...", "arguments": {...}}],
//         "createRelease": {...createRelease's arguments}, "releaseId": "..."}
// stdout: one JSON object (see below); exit 1 on an unexpected failure.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function connect(url, key) {
  const client = new Client({ name: "flux-e2e", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return { client, transport };
}

// rpcError is how the SDK surfaces a JSON-RPC error (McpError).
async function rpcError(fn) {
  try {
    const r = await fn();
    return { result: r };
  } catch (e) {
    return { code: e.code ?? null, message: String(e.message ?? e) };
  }
}

const plan = await readStdin();
const out = {};
const { client, transport } = await connect(plan.url, plan.key);
out.protocolVersion = transport.protocolVersion ?? null;
out.serverVersion = client.getServerVersion();
out.capabilities = client.getServerCapabilities();
out.instructions = client.getInstructions() ?? null;

const listed = await client.listTools();
out.tools = listed.tools;

// Every read tool, as the test asks. callTool checks structuredContent
// against the tool's outputSchema (Ajv) and fails if it does not fit.
out.results = [];
for (const call of plan.calls) {
  const r = await client.callTool({ name: call.name, arguments: call.arguments });
  out.results.push({
    name: call.name,
    isError: r.isError ?? false,
    structuredContent: r.structuredContent ?? null,
    text: r.content?.[0]?.text ?? null,
  });
}

// Errors: an unknown tool and invalid arguments are JSON-RPC errors.
out.unknownTool = await rpcError(() => client.callTool({ name: "dropEverything", arguments: {} }));
out.invalidArguments = await rpcError(() => client.callTool({ name: "syncHistory", arguments: { limit: "ten" } }));
out.ping = await rpcError(() => client.ping());

// Write tools: a release created, then cancelled, through MCP.
const summary = (r) => ({ isError: r.isError ?? false, text: r.content?.[0]?.text ?? null, structuredContent: r.structuredContent ?? null });
out.createRelease = summary(await client.callTool({ name: "createRelease", arguments: plan.createRelease }));
const madeId = out.createRelease.structuredContent?.releaseId;
out.cancelRelease = madeId
  ? summary(await client.callTool({ name: "cancelRelease", arguments: { releaseId: madeId } }))
  : { isError: true, text: "no release was created", structuredContent: null };
await client.close();

// A key without sync:write nor the releases scopes: startSync, release
// and createRelease are tool errors naming the scope.
{
  const ro = await connect(plan.url, plan.readOnlyKey);
  out.startSyncWithoutScope = summary(await ro.client.callTool({ name: "startSync", arguments: { type: "OBJECTS", triggeredBy: "mcp-e2e" } }));
  out.releaseWithoutScope = summary(await ro.client.callTool({ name: "release", arguments: { id: plan.releaseId } }));
  out.createReleaseWithoutScope = summary(await ro.client.callTool({ name: "createRelease", arguments: plan.createRelease }));
  await ro.client.close();
}

process.stdout.write(JSON.stringify(out));
